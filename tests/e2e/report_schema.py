"""The JSON audit report against its schema, docs/report.schema.json.

- every golden JSON report (tests/e2e/cases/audit-*/expected of the cases
  whose cmd is `audit --format json`) validates;
- `flowaudit audit --format json` on every fixture capture with every site
  of tests/e2e/sites validates (combinations that exit 2 are skipped);
- controls: a report without a finding's `kind`, without `summary`,
  without a finding's `cause`, or with a cause that does not fit the
  finding's kind fails validation, with the error at that place.

Skips when python3-jsonschema is not installed.
"""
import copy
import json
import os
import shlex
import subprocess
import sys

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
CASES = os.environ.get("CASES", os.path.join(SRCDIR, "tests", "e2e", "cases"))
SITES = os.path.join(SRCDIR, "tests", "e2e", "sites")
SCHEMA = os.path.join(SRCDIR, "docs", "report.schema.json")


def first_errors(validator, doc, n=5):
    """The first n validation errors, one line each."""
    out = []
    for e in validator.iter_errors(doc):
        where = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        out.append("%s: %s" % (where, e.message[:200]))
        if len(out) == n:
            break
    return out


def golden_reports():
    """(case name, path of expected) of each audit case writing JSON that
    keeps a whole-report baseline (cases with a test.yaml keep none: their
    reports are validated below, as every fixture's is)."""
    out = []
    for name in sorted(os.listdir(CASES)):
        cmd = os.path.join(CASES, name, "cmd")
        if not os.path.exists(cmd):
            continue
        args = shlex.split(open(cmd).read())
        if args[:1] != ["audit"] or "--format" not in args or \
                args[args.index("--format") + 1] != "json":
            continue
        expected = os.path.join(CASES, name, "expected")
        if os.path.exists(expected):
            out.append((name, expected))
    return out


def captures():
    return sorted(f for f in os.listdir(FIXTURES) if f.endswith((".pcap", ".pcapng")))


def sites():
    return sorted(f for f in os.listdir(SITES) if f.endswith(".json"))


def has_error(validator, doc, path, text):
    """Whether validating doc gives an error at path whose message holds
    text (so a control fails for the reason it was made for)."""
    return any(list(e.absolute_path) == path and text in e.message
               for e in validator.iter_errors(doc))


def controls(tap, validator, report):
    """Negative controls on a real report: each mutation must fail."""
    if not report.get("findings"):
        tap.ok(False, "control: a report with findings to mutate")
        return
    doc = copy.deepcopy(report)
    del doc["findings"][0]["kind"]
    tap.ok(has_error(validator, doc, ["findings", 0], "'kind' is a required property"),
           "control: a finding without kind fails validation")
    doc = copy.deepcopy(report)
    del doc["summary"]
    tap.ok(has_error(validator, doc, [], "'summary' is a required property"),
           "control: a report without summary fails validation")
    doc = copy.deepcopy(report)
    doc["findings"][0].pop("cause", None)
    tap.ok(has_error(validator, doc, ["findings", 0], "'cause' is a required property"),
           "control: a finding without cause fails validation")
    doc = copy.deepcopy(report)
    f = doc["findings"][0]
    f["cause"] = "no-rule" if f.get("kind") != "unexpected" else "succeeded"
    tap.ok(any(list(e.absolute_path)[:3] == ["findings", 0, "cause"]
               for e in validator.iter_errors(doc)),
           "control: a cause that does not fit the finding's kind fails validation")


def main():
    tap = Tap()
    try:
        import jsonschema
    except ImportError:
        print("ok 1 - report schema # SKIP python3-jsonschema not installed")
        print("1..1")
        return
    with open(SCHEMA) as f:
        schema = json.load(f)
    try:
        jsonschema.Draft7Validator.check_schema(schema)
        tap.ok(True, "docs/report.schema.json is a valid draft-07 schema")
    except jsonschema.SchemaError as e:
        tap.ok(False, "docs/report.schema.json is a valid draft-07 schema", str(e))
        tap.done()
    validator = jsonschema.Draft7Validator(schema)

    goldens = golden_reports()
    tap.ok(len(goldens) > 0, "golden JSON reports found (%d)" % len(goldens))
    control_base = None
    for name, path in goldens:
        with open(path) as f:
            report = json.load(f)
        if name == "audit-demo":
            control_base = report
        errors = first_errors(validator, report)
        tap.ok(not errors, "golden %s validates" % name, "\n".join(errors))

    # Every fixture with the plain site and with one other (turn about), so
    # every fixture and every site is validated without the whole product
    # of the two (which would cost minutes under the sanitizers).
    # Under ASan (SANITIZED=yes) only the one site each: the schema is the
    # normal build's to check, and every site and fixture still runs once.
    all_sites = sites()
    sanitized = os.environ.get("SANITIZED") == "yes"
    for i, capture in enumerate(captures()):
        pair = [all_sites[i % len(all_sites)]]
        if not sanitized:
            pair.append("separate.json")
        for site in sorted(set(pair) & set(all_sites)):
            p = subprocess.run([FLOWAUDIT, "audit", "--format", "json", "-q",
                                "--site", os.path.join(SITES, site),
                                os.path.join(FIXTURES, capture)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            name = "%s with %s" % (capture, site)
            if p.returncode == 2:
                print("ok %d - %s # SKIP exits 2 (bad input)" % (tap.n + 1, name))
                tap.n += 1
                continue
            try:
                report = json.loads(p.stdout)
            except ValueError as e:
                tap.ok(False, "%s validates" % name, "not JSON: %s" % e)
                continue
            errors = first_errors(validator, report)
            tap.ok(p.returncode in (0, 1, 3) and not errors, "%s validates" % name,
                   "exit %d\n%s" % (p.returncode, "\n".join(errors)))

    controls(tap, validator, control_base or {})
    tap.done()


main()

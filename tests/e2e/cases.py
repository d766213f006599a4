"""cases.py - end-to-end cases that say what they check.

One directory per case under tests/e2e/cases, in the manner of
suricata-verify's test.yaml: instead of a whole report to diff (golden.sh's
`expected`), a case holds the few checks that make it.

  cmd        the flowaudit arguments, one line, as for golden.sh: @FIXTURES@
             is the directory of generated fixture captures, @SITES@
             tests/e2e/sites, @CASE@ the case directory. The command must
             write a JSON report (audit --format json) to standard output.
  exit       (optional) the expected exit status, default 0
  test.yaml  the checks (below); a case with test.yaml has no `expected`

test.yaml:

  # What the case is about, in a sentence or two.
  checks:
    - summary: {missing: 0, blocked: 1, unexpected: 0}
    - finding:                    # exactly one finding has all these fields
        kind: blocked
        rule: mobile-license
        client.ip: 10.1.0.20      # a dotted path into the finding
        server.port: 13667
        state: REJ
        reason~: "answered by RST"    # "~": the text contains this
    - finding: {kind: observed, rule: mobile-license}
      count: 0                    # no finding has all these fields
    - not_applicable: {rule: speechlive-cloud, why~: "feature speechlive is off"}

  summary         every named field of the report's "summary" equals its value
  finding         the findings that have every listed field; `count` (default
                  1) says how many there must be: 0 asserts an absence
  not_applicable  the same over the report's "not_applicable" rules
  exception       the same over the report's "exceptions" (site allow entries)
  health_note     the same over the report's "capture_health" notes

A field is a dotted path into the item ("client.ip", "server.port"). A value
matches by equality, types included (443 is not "443"; null matches JSON
null; a list matches a list). A path ending in "~" matches text that
contains the value, or every one of a list of values: `reason~: [a, b]`.
Quote IPv6 addresses and anything YAML could read as another type.

So that a typo cannot make a check vacuous (a "count: 0" that passes because
nothing could ever match), test.yaml is checked as well: only the keys
above, no key twice in a mapping; every summary field and every path must
exist in the report (some finding has it, unless there are no findings);
kind, need, state and rule values must be ones a report can hold (rule: a
rule of the report's matrix). A field flowaudit adds to its findings is
then one more line in a check, e.g. `cause: rejected`.

Prints TAP: first controls, which show on a made-up report that checks fail
when they should and that mistakes in test.yaml are caught; then per case
one test that the command ran (exit status, JSON on
standard output), then one per check, named after the case. A failing check
prints what it wanted and the candidates: the findings nearest to it, with
the fields that differ, or those that matched when too many did.

  python3 cases.py [CASE...]              only these cases
  python3 cases.py --report FILE CASE     one case's checks against a saved
                                          report (the command is not run)
"""
import json
import os
import re
import shlex
import subprocess
import sys

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

try:
    import yaml
except ImportError:
    Tap().skip_all("PyYAML not installed (package python3-yaml)")

CASES = os.environ.get("CASES", os.path.join(SRCDIR, "tests", "e2e", "cases"))
SITES = os.path.join(CASES, "..", "sites")

# Which list of the report each item check looks in.
LISTS = {"finding": "findings", "not_applicable": "not_applicable",
         "exception": "exceptions", "health_note": "capture_health.notes"}
CHECK_KEYS = {"summary"} | set(LISTS)
PATH_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*~?$")

# Values a field can hold; a check naming another can never match.
KINDS = {"observed", "missing", "blocked", "unexpected", "inconclusive"}
NEEDS = {"required", "optional", "allowed"}
CONN_STATES = {"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0",
               "RSTRH", "SH", "SHR", "OTH"}


# ---- test.yaml -------------------------------------------------------------

class StrictLoader(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping: PyYAML would
    keep the last one silently, changing the check."""


def _strict_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (list, dict)):
            continue  # construct_mapping says what is wrong with it
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, "key %r given twice" % (key,), key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _strict_mapping)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_scalar(v):
    return v is None or isinstance(v, (str, int, float, bool))


def shape_errors(doc):
    """What is wrong with a parsed test.yaml's shape, as messages."""
    if not isinstance(doc, dict):
        return ["test.yaml: want a mapping with key 'checks'"]
    errs = ["test.yaml: unknown key %r (known: checks)" % k for k in doc
            if k != "checks"]
    checks = doc.get("checks")
    if not isinstance(checks, list) or not checks:
        return errs + ["test.yaml: 'checks' must be a non-empty list"]
    for i, check in enumerate(checks, 1):
        where = "check %d" % i
        if not isinstance(check, dict):
            errs.append("%s: want a mapping, got %r" % (where, check))
            continue
        kinds = [k for k in check if k in CHECK_KEYS]
        for k in check:
            if k not in CHECK_KEYS and k != "count":
                errs.append("%s: unknown key %r (known: %s, count)" %
                            (where, k, ", ".join(sorted(CHECK_KEYS))))
        if len(kinds) != 1:
            errs.append("%s: want exactly one of %s" %
                        (where, ", ".join(sorted(CHECK_KEYS))))
            continue
        kind = kinds[0]
        if "count" in check and (kind not in LISTS or not is_int(check["count"])
                                 or check["count"] < 0):
            errs.append("%s: count goes with finding or not_applicable and is "
                        "a whole number >= 0" % where)
        fields = check[kind]
        if not isinstance(fields, dict) or not fields:
            errs.append("%s: %s wants a non-empty mapping of fields" % (where, kind))
            continue
        for path, want in fields.items():
            if not isinstance(path, str) or not PATH_RE.match(path):
                errs.append("%s: %r is not a field path" % (where, path))
            elif kind == "summary" and ("." in path or path.endswith("~")):
                errs.append("%s: summary fields are plain names: %r" % (where, path))
            elif path.endswith("~"):
                texts = want if isinstance(want, list) else [want]
                if not texts or not all(isinstance(t, str) and t for t in texts):
                    errs.append("%s: %s wants text or a list of texts" % (where, path))
            elif not (is_scalar(want) or isinstance(want, list) and
                      all(is_scalar(v) for v in want)):
                errs.append("%s: %s: want a value or a list of values" % (where, path))
    return errs


def load_case(d):
    """(checks, errors) of a case directory."""
    path = os.path.join(d, "test.yaml")
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=StrictLoader)  # noqa: S506 (safe loader)
    except (OSError, yaml.YAMLError) as e:
        return None, ["test.yaml: %s" % e]
    errs = shape_errors(doc)
    if not os.path.isfile(os.path.join(d, "cmd")):
        errs.append("no cmd file")
    if os.path.exists(os.path.join(d, "expected")):
        errs.append("an expected file beside test.yaml: golden.sh would not "
                    "diff it and this runner does not read it; remove one")
    return (None if errs else doc["checks"]), errs


# ---- matching --------------------------------------------------------------

MISSING = object()


def lookup(item, path):
    for part in path.split("."):
        if not isinstance(item, dict) or part not in item:
            return MISSING
        item = item[part]
    return item


def paths_of(item, prefix=""):
    """The paths to the values (not the objects) of an item."""
    out = set()
    for k, v in item.items():
        if isinstance(v, dict):
            out |= paths_of(v, prefix + k + ".")
        else:
            out.add(prefix + k)
    return out


def same(a, b):
    """Equality that keeps types apart: True is not 1, 443 not 443.0."""
    if type(a) is not type(b) and not (is_int(a) and is_int(b)):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def field_matches(item, path, want):
    if path.endswith("~"):
        got = lookup(item, path[:-1])
        texts = want if isinstance(want, list) else [want]
        return isinstance(got, str) and all(t in got for t in texts)
    got = lookup(item, path)
    return got is not MISSING and same(got, want)


def matrix_rules(report):
    path = (report.get("matrix") or {}).get("file")
    try:
        with open(path, encoding="utf-8") as f:
            return {r["id"] for r in json.load(f)["rules"]}
    except (OSError, TypeError, ValueError, KeyError):
        return None


def value_errors(report, fields, rules):
    """Equality values no report could hold (a vacuous check)."""
    errs = []
    for path, want in fields.items():
        if path.endswith("~") or want is None:
            continue
        if path == "kind" and want not in KINDS:
            errs.append("kind %r is none of %s" % (want, ", ".join(sorted(KINDS))))
        elif path == "need" and want not in NEEDS:
            errs.append("need %r is none of %s" % (want, ", ".join(sorted(NEEDS))))
        elif path == "state" and (not isinstance(want, str) or
                                  not set(want.split(",")) <= CONN_STATES):
            errs.append("state %r is not Zeek conn_state names (%s)" %
                        (want, " ".join(sorted(CONN_STATES))))
        elif path == "rule":
            if rules is None:
                errs.append("cannot read the report's matrix to check rule %r" % want)
            elif want not in rules:
                errs.append("rule %r is not a rule of the matrix" % want)
    return errs


def render(v):
    if isinstance(v, str) and v and re.match(r"^[\w.:/,\[\]-]+$", v):
        return v
    return json.dumps(v)


NOUNS = {"finding": ("finding", "findings"),
         "not_applicable": ("rule not applicable", "rules not applicable"),
         "exception": ("site exception", "site exceptions"),
         "health_note": ("capture-health note", "capture-health notes")}


def describe(kind, fields, count=None):
    text = " ".join("%s%s" % (p, json.dumps(v)) if p.endswith("~") else
                    "%s=%s" % (p, render(v)) for p, v in fields.items())
    if kind == "summary":
        return "summary " + text
    noun = NOUNS[kind][count != 1]
    return "%s %s: %s" % ({0: "no", 1: "one"}.get(count, str(count)), noun, text)


def brief(kind, item):
    """One line for a candidate item."""
    if kind == "not_applicable":
        return "%s (%s): %s" % (item.get("rule"), item.get("need"), item.get("why"))
    if kind == "health_note":
        return "%s %s: %s" % (item.get("code"), item.get("host"), item.get("text"))
    if kind == "exception":
        return "%s -> %s %s%s: %s (expires %s, expired %s) flows=%s after=%s" % (
            item.get("from"), item.get("to"), item.get("proto"), item.get("ports"),
            item.get("why"), item.get("expires"), item.get("expired"),
            item.get("flows"), item.get("flows_after_expiry"))
    c, s = item.get("client") or {}, item.get("server") or {}
    return "%s %s %s -> %s:%s %s state=%s flows=%s attempts=%s successes=%s: %s" % tuple(
        "-" if v is None else v for v in (
            item.get("kind"), item.get("rule"), c.get("ip"), s.get("ip"), s.get("port"),
            item.get("proto"), item.get("state"), item.get("flows"),
            item.get("attempts"), item.get("successes"), item.get("reason")))


def differences(item, fields):
    out = []
    for path, want in fields.items():
        if field_matches(item, path, want):
            continue
        got = lookup(item, path.rstrip("~"))
        out.append("%s is %s, want %s%s" % (
            path.rstrip("~"), "absent" if got is MISSING else render(got),
            "text containing " if path.endswith("~") else "", render(want)))
    return out


def evaluate(check, report):
    """(ok, diagnostics) of one check against a report."""
    kind = next(k for k in check if k in CHECK_KEYS)
    fields = check[kind]
    if kind == "summary":
        summary = report.get("summary") or {}
        unknown = [f for f in fields if f not in summary]
        if unknown:
            return False, "test.yaml: the summary has no field %s (it has: %s)" % (
                ", ".join(unknown), ", ".join(summary))
        wrong = ["%s is %s, want %s" % (f, render(summary[f]), render(v))
                 for f, v in fields.items() if not same(summary[f], v)]
        return not wrong, "\n".join(wrong + ["summary: " + json.dumps(summary)])

    items = report
    for part in LISTS[kind].split("."):
        items = items.get(part) if isinstance(items, dict) else None
    items = items or []
    # Paths are known from the items themselves; an empty list knows none
    # and can only be counted.
    known = set().union(*(paths_of(i) for i in items))
    unknown = [p for p in fields if items and p.rstrip("~") not in known]
    errs = ["no item of %s has the field %s" % (LISTS[kind], p.rstrip("~"))
            for p in unknown]
    errs += value_errors(report, fields, matrix_rules(report) if "rule" in fields
                         else None)
    if errs:
        return False, "\n".join("test.yaml: " + e for e in errs)

    want = check.get("count", 1)
    matched = [i for i in items if all(field_matches(i, p, v) for p, v in fields.items())]
    if len(matched) == want:
        return True, None
    lines = ["want exactly %d %s with:" % (want, NOUNS[kind][want != 1])]
    lines += ["  %s%s %s" % (p, "" if p.endswith("~") else ":", render(v))
              for p, v in fields.items()]
    if matched:
        lines.append("found %d:" % len(matched))
        lines += ["  " + brief(kind, i) for i in matched]
        return False, "\n".join(lines)
    scored = [(sum(field_matches(i, p, v) for p, v in fields.items()), i) for i in items]
    best = max((s for s, _ in scored), default=0)
    if best == 0:
        lines.append("found none; none of the %d %s agrees on any field" %
                     (len(items), NOUNS[kind][1]))
        return False, "\n".join(lines)
    near = [i for s, i in scored if s == best]
    lines.append("found none; nearest (%d of %d fields agree):" % (best, len(fields)))
    for i in near[:6]:
        lines.append("  " + brief(kind, i))
        lines += ["    " + d for d in differences(i, fields)]
    if len(near) > 6:
        lines.append("  ... and %d more" % (len(near) - 6))
    return False, "\n".join(lines)


# ---- controls: the runner's own checks can fail ---------------------------

def controls(tap):
    """On a small made-up report, checks that must fail do, one that must
    pass does, and mistakes in test.yaml are caught."""
    def finding(kind, state, port, reason):
        return {"kind": kind, "rule": "mobile-license", "state": state,
                "server": {"ip": "10.1.0.10", "port": port}, "reason": reason}
    report = {
        "matrix": {"file": os.path.join(SRCDIR, "rules", "speechexec-enterprise.json")},
        "summary": {"missing": 0, "blocked": 1},
        "findings": [finding("blocked", "REJ", 13667, "1 SYN answered by RST"),
                     finding("observed", "SF", 13667, "1 of 1 attempt succeeded"),
                     finding("observed", "SF", 13667, "1 of 1 attempt succeeded")],
    }
    cases = [
        ("the matching check passes", True,
         {"finding": {"kind": "blocked", "server.port": 13667, "reason~": "RST"}}),
        ("exactly one, none matches", False, {"finding": {"kind": "blocked", "state": "S0"}}),
        ("exactly one, two match", False, {"finding": {"kind": "observed"}}),
        ("count 0, one matches", False, {"finding": {"kind": "blocked"}, "count": 0}),
        ("a list after ~ wants every text", False,
         {"finding": {"kind": "blocked", "reason~": ["SYN", "ICMP"]}}),
        ("443 is not \"443\"", False, {"finding": {"kind": "blocked", "server.port": "13667"}}),
        ("true is not 1", False, {"summary": {"blocked": True}}),
        ("a summary field differs", False, {"summary": {"missing": 1}}),
        ("an unknown summary field", False, {"summary": {"mising": 0}}),
        ("an unknown path, even with count 0", False,
         {"finding": {"sever.ip": "10.1.0.10"}, "count": 0}),
        ("a kind no report holds, even with count 0", False,
         {"finding": {"kind": "blokced"}, "count": 0}),
        ("a rule not in the matrix, even with count 0", False,
         {"finding": {"rule": "mobile-licence"}, "count": 0}),
        ("a state no flow has, even with count 0", False,
         {"finding": {"state": "SO"}, "count": 0}),
    ]
    for what, want, check in cases:
        ok, diag = evaluate(check, report)
        tap.ok(ok == want, "control: %s: the check %s" % (what, "passes" if want else "fails"),
               diag)
    shapes = [
        ("a misspelt check", {"checks": [{"findng": {"kind": "blocked"}}]}),
        ("a misspelt top key", {"check": [{"finding": {"kind": "blocked"}}]}),
        ("count beside summary", {"checks": [{"summary": {"missing": 0}, "count": 0}]}),
        ("two checks in one item", {"checks": [{"summary": {"missing": 0},
                                                "finding": {"kind": "blocked"}}]}),
        ("an empty finding", {"checks": [{"finding": {}}]}),
        ("a count below 0", {"checks": [{"finding": {"kind": "blocked"}, "count": -1}]}),
        ("a mapping as a value", {"checks": [{"finding": {"server": {"port": 1}}}]}),
        ("a number after ~", {"checks": [{"finding": {"reason~": 3}}]}),
    ]
    for what, doc in shapes:
        tap.ok(bool(shape_errors(doc)), "control: %s is an error in test.yaml" % what)
    try:
        yaml.load("checks:\n  - finding: {kind: blocked, kind: observed}\n",
                  Loader=StrictLoader)  # noqa: S506 (safe loader)
        twice = False
    except yaml.YAMLError:
        twice = True
    tap.ok(twice, "control: a key given twice is an error in test.yaml")


# ---- running ---------------------------------------------------------------

def run_case(d):
    """(exit status, report or None, diagnostics) of a case's command."""
    fixtures = os.environ["FIXTURES"]
    with open(os.path.join(d, "cmd"), encoding="utf-8") as f:
        line = f.read().strip()
    line = (line.replace("@FIXTURES@", fixtures)
            .replace("@SITES@", os.path.realpath(SITES)).replace("@CASE@", d))
    p = subprocess.run([os.environ["FLOWAUDIT"]] + shlex.split(line),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode(errors="replace")
    try:
        return p.returncode, json.loads(p.stdout), err
    except ValueError as e:
        return p.returncode, None, "standard output is not JSON: %s\n%s" % (e, err)


def tap_name(text):
    return text.replace("#", "\\#")


def check_case(tap, d, saved=None):
    name = os.path.basename(d)
    checks, errs = load_case(d)
    if errs:
        tap.ok(False, "%s: test.yaml is valid" % name, "\n".join(errs))
        return
    if saved is None:
        want_exit = 0
        if os.path.exists(os.path.join(d, "exit")):
            want_exit = int(open(os.path.join(d, "exit")).read())
        got_exit, report, err = run_case(d)
        tap.ok(report is not None and got_exit == want_exit,
               "%s: exit %d, a JSON report" % (name, want_exit),
               "exit %d\n%s" % (got_exit, err))
    else:
        with open(saved, encoding="utf-8") as f:
            report = json.load(f)
    for i, check in enumerate(checks, 1):
        kind = next(k for k in check if k in CHECK_KEYS)
        label = describe(kind, check[kind], check.get("count", 1))
        if report is None:
            tap.ok(False, tap_name("%s: %s" % (name, label)), "no report")
            continue
        ok, diag = evaluate(check, report)
        tap.ok(ok, tap_name("%s: %s" % (name, label)),
               "test.yaml check %d\n%s" % (i, diag) if diag else None)


def case_dirs(names):
    if names:
        return [os.path.join(CASES, n.rstrip("/").split("/")[-1]) for n in names]
    return [os.path.join(CASES, n) for n in sorted(os.listdir(CASES))
            if os.path.isfile(os.path.join(CASES, n, "test.yaml"))]


def main(argv):
    tap = Tap()
    saved = None
    if argv[:1] == ["--report"]:
        if len(argv) != 3:
            sys.exit("usage: cases.py --report FILE CASE")
        saved, argv = argv[1], argv[2:]
    dirs = case_dirs(argv)
    if not dirs:
        tap.skip_all("no case with a test.yaml under %s" % CASES)
    if not argv and saved is None:
        controls(tap)
    for d in dirs:
        check_case(tap, d, saved)
    tap.done()


if __name__ == "__main__":
    main(sys.argv[1:])

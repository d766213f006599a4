"""Every report format of every audit fixture, from one read of the capture.

For each audit case of the golden suite (tests/e2e/cases/audit-*), one
`flowaudit audit` run writes JSON, JUnit, CSV, event lines and HTML; then:
- the JUnit file validates against tests/data/junit.xsd (xmllint) and its
  failure count equals the JSON report's missing + blocked + unexpected;
- the CSV parses with Python's csv reader, one row per finding, in order;
- the event lines parse as JSON, one per line, one per finding, with the
  Elastic Common Schema fields a SIEM keys on.
Cases with a matrix of their own (--matrix) hold hostile strings on
purpose, which the formats for people show escaped: for them, every format
is checked to carry no control or hidden character (check_hostile).
Negative controls show the checks can fail.
"""
import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap, terminal_text  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
CASES = os.environ.get("CASES", os.path.join(SRCDIR, "tests", "e2e", "cases"))
SITES = os.path.join(SRCDIR, "tests", "e2e", "sites")
XSD = os.path.join(SRCDIR, "tests", "data", "junit.xsd")
FAILING = ("missing", "blocked", "unexpected")


def audit_case_args():
    """(name, arguments) of each audit case with a cmd file, placeholders
    filled in."""
    for name in sorted(os.listdir(CASES)):
        path = os.path.join(CASES, name, "cmd")
        if not name.startswith("audit-") or not os.path.exists(path):
            continue
        yield name, shlex.split(open(path).read().replace("@FIXTURES@", FIXTURES)
                                .replace("@SITES@", SITES)
                                .replace("@CASE@", os.path.join(CASES, name)))


def audit_cases():
    """(name, site, capture) of each audit case whose output is JSON."""
    out = []
    for name, args in audit_case_args():
        if "--site" not in args or "--matrix" in args:
            continue
        site = args[args.index("--site") + 1]
        captures = [a for a in args if a.endswith((".pcap", ".pcapng"))]
        out.append((name, site, captures))
    return out


def hostile_cases():
    """(name, arguments) of each audit case with a matrix of its own."""
    return [(name, [a for a in args if a not in ("--format", "text")])
            for name, args in audit_case_args() if "--matrix" in args]


# What no output may hold raw: C0 controls but tab and line ends, DEL, C1,
# and the characters that reorder or hide text (common/safe_text.h).
RAW_HIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c"
                        "\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def check_hostile(tap, work):
    """Every format of a run over hostile matrix and site strings: none
    holds them raw, JUnit validates, CSV parses."""
    for name, args in hostile_cases():
        out = {fmt: os.path.join(work, "%s.%s" % (name, fmt))
               for fmt in ("text", "json", "junit", "csv", "events", "html")}
        run = [FLOWAUDIT] + args
        for fmt, path in out.items():
            run += ["--format", fmt, "-o", path]
        p = subprocess.run(run, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        written = p.returncode in (0, 1, 3) and all(os.path.exists(path)
                                                    for path in out.values())
        tap.ok(written, "%s: one run writes every format" % name,
               p.stderr.decode(errors="replace"))
        if not written:
            continue
        for fmt, path in out.items():
            text = open(path, encoding="utf-8", newline="").read()
            if fmt == "csv":
                text = text.replace("\r\n", "\n")  # its record ends
            raw = sorted(set(RAW_HIDDEN.findall(text)))
            tap.ok(not raw, "%s: %s holds no control or hidden character raw" % (name, fmt),
                   "found %r" % raw)
        ok, why = xmllint_valid(out["junit"])
        tap.ok(ok, "%s: JUnit validates against the schema" % name, why)
        report = json.load(open(out["json"]))
        with open(out["csv"], newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f, strict=True))
        want = (len(report["findings"]) + len(report["exceptions"]) +
                len(report["capture_health"]["notes"]))
        tap.ok(len(rows) == want, "%s: CSV parses, a row per finding, exception "
               "and note (%d)" % (name, want), "%d rows" % len(rows))


def xmllint_valid(path):
    p = subprocess.run(["xmllint", "--noout", "--schema", XSD, path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode == 0, p.stdout.decode(errors="replace")


def check_junit(tap, name, path, report):
    ok, why = xmllint_valid(path)
    tap.ok(ok, "%s: JUnit validates against the schema" % name, why)
    root = ET.parse(path).getroot()
    want = sum(report["summary"][k] for k in FAILING)
    cases = root.findall("./testsuite/testcase")
    failures = sum(len(c.findall("failure")) for c in cases)
    suites = sum(int(s.get("failures")) for s in root.findall("testsuite"))
    tap.ok(int(root.get("failures")) == want == failures == suites,
           "%s: JUnit failures = missing + blocked + unexpected (%d)" % (name, want),
           "testsuites says %s, testcases hold %d, suites sum %d" %
           (root.get("failures"), failures, suites))
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    want_skipped = len(report.get("not_applicable", [])) + report["summary"]["inconclusive"]
    tap.ok(int(root.get("tests")) == len(cases) and int(root.get("skipped")) == skipped
           and skipped == want_skipped,
           "%s: JUnit counts tests and skipped (not applicable, inconclusive) cases" % name,
           "tests=%s cases=%d skipped=%s/%d want %d" %
           (root.get("tests"), len(cases), root.get("skipped"), skipped, want_skipped))
    health = root.findall("./testsuite[@name='Capture health']/testcase")
    tap.ok([c.find("system-out").text for c in health] ==
           [n["text"] for n in report["capture_health"]["notes"]],
           "%s: JUnit lists each capture-health note (%d)" %
           (name, len(report["capture_health"]["notes"])))
    exceptions = root.findall("./testsuite[@name='Site exceptions']/testcase")
    tap.ok(len(exceptions) == len(report["exceptions"]) and
           all(c.find("system-out") is not None and
               x["why"] in c.find("system-out").text
               for c, x in zip(exceptions, report["exceptions"])),
           "%s: JUnit lists each site exception with its reason (%d)" %
           (name, len(report["exceptions"])))



def check_csv(tap, name, path, report):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, strict=True))
    kinds = [(r["kind"], r["rule"]) for r in rows
             if r["kind"] not in ("exception", "capture-health")]
    want = [(x["kind"], x.get("rule") or "") for x in report["findings"]]
    tap.ok(kinds == want, "%s: CSV parses, one row per finding in order (%d)" %
           (name, len(want)), "csv %r\njson %r" % (kinds[:5], want[:5]))
    exc = [(r["client_ip"], r["server_ip"], r["reason"]) for r in rows
           if r["kind"] == "exception"]
    tap.ok(len(exc) == len(report["exceptions"]) and
           all(row[0] == x["from"] and row[1] == x["to"] and row[2].startswith(terminal_text(x["why"]))
               for row, x in zip(exc, report["exceptions"])) and
           rows[len(want):len(want) + len(exc)] ==
           [r for r in rows if r["kind"] == "exception"],
           "%s: CSV lists each site exception after the findings (%d)" %
           (name, len(report["exceptions"])), repr(exc[:3]))
    # CSV keeps cells that a spreadsheet would run as formulas as text.
    def cell(text):
        return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text
    health = [(r["cause"], cell(r["reason"])) for r in rows if r["kind"] == "capture-health"]
    want_health = [(n["code"], n["text"]) for n in report["capture_health"]["notes"]]
    tap.ok(health == want_health and
           [r["kind"] for r in rows[len(want) + len(exc):]] == ["capture-health"] * len(health),
           "%s: CSV ends with the capture-health notes (%d)" % (name, len(want_health)),
           "csv %r\njson %r" % (health[:3], want_health[:3]))


def check_events(tap, name, path, report):
    events, bad = [], []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                events.append(json.loads(line))
            except ValueError as e:
                bad.append("line %d: %s" % (n, e))
    exceptions = [e for e in events if e["event"]["dataset"] == "flowaudit.exception"]
    tap.ok(len(exceptions) == len(report["exceptions"]) and
           all(e["event"]["reason"] == x["why"] and
               e["flowaudit"]["exception"]["flows"] == x["flows"]
               for e, x in zip(exceptions, report["exceptions"])),
           "%s: one ECS event per site exception (%d)" % (name, len(report["exceptions"])))
    health = [(e["flowaudit"]["health"], e["message"]) for e in events
              if e["event"]["dataset"] == "flowaudit.health"]
    tap.ok(health == [(n["code"], n["text"]) for n in report["capture_health"]["notes"]],
           "%s: one ECS event per capture-health note (%d)" % (name, len(health)))
    events = [e for e in events if e["event"]["dataset"] == "flowaudit.finding"]
    ecs_ok = all(e["ecs"]["version"] and e["event"]["dataset"] == "flowaudit.finding"
                 and e["event"]["kind"] == ("event" if e["flowaudit"]["finding"] in
                                            ("observed", "inconclusive") else "alert")
                 and "@timestamp" in e for e in events)
    kinds = [e["flowaudit"]["finding"] for e in events]
    rules = [e.get("rule", {}).get("id", "") for e in events]
    want = [x["kind"] for x in report["findings"]]
    tap.ok(not bad and kinds == want and ecs_ok and
           rules == [x.get("rule") or "" for x in report["findings"]],
           "%s: event lines parse as JSON, one ECS event per finding (%d)" %
           (name, len(want)), "\n".join(bad[:5]) or "kinds %r want %r" % (kinds, want))
    with_ip = [e for e in events if "destination" in e and "ip" in e["destination"]]
    tap.ok(all("transport" in e.get("network", {}) for e in with_ip) and
           all(isinstance(e["destination"].get("port", 0), int) for e in with_ip),
           "%s: events carry destination.ip/port and network.transport" % name)


def negative_controls(tap, work):
    """The schema check rejects a testcase without a name; the CSV check
    sees a row count that differs."""
    bad = os.path.join(work, "bad.xml")
    with open(bad, "w") as f:
        f.write('<?xml version="1.0"?><testsuites><testsuite name="x" tests="1">'
                '<testcase classname="c"/></testsuite></testsuites>')
    ok, _ = xmllint_valid(bad)
    tap.ok(not ok, "control: the schema rejects a testcase without a name")


def check_flow_formats(tap):
    """flows --format csv and --format events against the JSON lines of
    the same capture: same flows, same order."""
    for fixture in ("demo.pcap", "names-hostile.pcap", "encap-vxlan.pcap"):
        path = os.path.join(FIXTURES, fixture)
        run = lambda fmt: subprocess.run(  # noqa: E731
            [FLOWAUDIT, "flows", "-q", "--format", fmt, path],
            stdout=subprocess.PIPE).stdout.decode("utf-8")
        want = [json.loads(line) for line in run("jsonl").splitlines()]
        rows = list(csv.DictReader(run("csv").splitlines(), strict=True))
        tap.ok([r["uid"] for r in rows] == [w["uid"] for w in want] and
               [r["conn_state"] for r in rows] == [w["conn_state"] for w in want] and
               [r["server_name"] for r in rows] == [w.get("server_name", "") for w in want],
               "flows CSV of %s: one row per flow with the JSON lines' values (%d)" %
               (fixture, len(want)))
        events = [json.loads(line) for line in run("events").splitlines()]
        tap.ok([e["event"]["id"] for e in events] == [w["uid"] for w in want] and
               all(e["network"]["community_id"] == w["community_id"] and
                   e["source"]["ip"] == w["id.orig_h"] and
                   e["destination"]["ip"] == w["id.resp_h"]
                   for e, w in zip(events, want)),
               "flow events of %s: one ECS event per flow (%d)" % (fixture, len(want)))


def main():
    tap = Tap()
    if not shutil.which("xmllint"):
        tap.skip_all("xmllint not installed (package libxml2-utils)")
    work = tempfile.mkdtemp(prefix="flowaudit-formats-")
    try:
        negative_controls(tap, work)
        check_flow_formats(tap)
        check_hostile(tap, work)
        for name, site, captures in audit_cases():
            out = {fmt: os.path.join(work, "%s.%s" % (name, fmt))
                   for fmt in ("json", "junit", "csv", "events", "html")}
            args = [FLOWAUDIT, "audit", "-q", "--site", site]
            for fmt, path in out.items():
                args += ["--format", fmt, "-o", path]
            p = subprocess.run(args + captures, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            written = all(os.path.exists(path) for path in out.values())
            tap.ok(p.returncode in (0, 1, 3) and written and not p.stdout,
                   "%s: one run writes every format" % name,
                   p.stderr.decode(errors="replace"))
            if not written:
                continue
            report = json.load(open(out["json"]))
            check_junit(tap, name, out["junit"], report)
            check_csv(tap, name, out["csv"], report)
            check_events(tap, name, out["events"], report)
            leftovers = [f for f in os.listdir(work) if ".tmp." in f]
            tap.ok(not leftovers, "%s: no temporary files left behind" % name,
                   repr(leftovers))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


main()

"""flowaudit watch over capture files, windowed by packet time.

- With one window covering the capture, the window report's findings are
  those of `flowaudit audit` on the same file, for every audit fixture.
- With short windows: one timestamped report per window plus latest, windows
  contiguous, a required flow judged per window, a flow counted in each
  window it had packets in.
- Event lines: one per unexpected flow and failed attempt, as they end.
"""
import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
CASES = os.environ.get("CASES", os.path.join(SRCDIR, "tests", "e2e", "cases"))
SITES = os.path.join(SRCDIR, "tests", "e2e", "sites")


def audit_cases():
    out = []
    for name in sorted(os.listdir(CASES)):
        path = os.path.join(CASES, name, "cmd")
        if not name.startswith("audit-") or not os.path.exists(path):
            continue
        args = shlex.split(open(path).read().replace("@FIXTURES@", FIXTURES)
                           .replace("@SITES@", SITES))
        if "--site" not in args or "--format" not in args:
            continue
        if args[args.index("--format") + 1] != "json":
            continue
        out.append((name, args[args.index("--site") + 1],
                    [a for a in args if a.endswith((".pcap", ".pcapng"))]))
    return out


def findings_of(report):
    return json.dumps(report["findings"], sort_keys=True)


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="flowaudit-watch-")
    try:
        for name, site, captures in audit_cases():
            out = os.path.join(work, name)
            os.mkdir(out)
            p = subprocess.run([FLOWAUDIT, "watch", "-q", "--site", site, "--window", "1d",
                                "--report-dir", out, "--format", "json"] + captures,
                               stderr=subprocess.PIPE)
            a = subprocess.run([FLOWAUDIT, "audit", "-q", "--site", site, "--format",
                                "json"] + captures, stdout=subprocess.PIPE)
            try:
                got = json.load(open(os.path.join(out, "latest.json")))
                want = json.loads(a.stdout)
            except (OSError, ValueError) as e:
                tap.ok(False, "%s: watch wrote a window report" % name,
                       "%s\n%s" % (e, p.stderr.decode()))
                continue
            # watch's kernel filter keeps only what can be in scope, so
            # flows between peers alone never reach it: compare in scope.
            tap.ok(p.returncode == 0 and findings_of(got) == findings_of(want) and
                   got["summary"]["in_scope"] == want["summary"]["in_scope"],
                   "%s: one window's findings equal the audit's (%d)" %
                   (name, len(want["findings"])), p.stderr.decode())

        demo = os.path.join(FIXTURES, "demo.pcap")
        site = os.path.join(SRCDIR, "pcaps", "demo-site.json")
        out = os.path.join(work, "windows")
        os.mkdir(out)
        events = os.path.join(out, "events.jsonl")
        p = subprocess.run([FLOWAUDIT, "watch", "-q", "--site", site, "--window", "2s",
                            "--report-dir", out, "--format", "json", "--format", "junit",
                            "--events", events, demo], stderr=subprocess.PIPE)
        stamped = sorted(glob.glob(os.path.join(out, "flowaudit-*.json")))
        tap.ok(p.returncode == 0 and len(stamped) == 3 and
               len(glob.glob(os.path.join(out, "flowaudit-*.xml"))) == 3 and
               os.path.exists(os.path.join(out, "latest.xml")),
               "2 s windows over a 5 s capture: three timestamped reports of each "
               "format, and latest", "%r\n%s" % (stamped, p.stderr.decode()))
        reports = [json.load(open(f)) for f in stamped]
        bounds = [(r["capture"]["window_start"], r["capture"]["window_end"]) for r in reports]
        tap.ok(all(bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1)) and
               bounds[0][0] == 1700000000.0 and bounds[1][1] - bounds[1][0] == 2.0,
               "windows are contiguous, aligned to their length", repr(bounds))
        latest = json.load(open(os.path.join(out, "latest.json")))
        tap.ok(findings_of(latest) == findings_of(reports[-1]),
               "latest.json is the last window's report")
        whole = json.loads(subprocess.run([FLOWAUDIT, "audit", "-q", "--site", site,
                                           "--format", "json", demo],
                                          stdout=subprocess.PIPE).stdout)
        total = sum(r["summary"]["flows"] for r in reports)
        tap.ok(total >= whole["summary"]["flows"] and
               all(r["summary"]["flows"] for r in reports),
               "every flow is counted in some window (%d counts of %d flows)" %
               (total, whole["summary"]["flows"]))
        missing = [r["summary"]["missing"] for r in reports]
        tap.ok(missing[1] > whole["summary"]["missing"],
               "required flows are judged per window: a quiet window misses more "
               "(%r)" % missing)
        lines = [json.loads(line) for line in open(events)]
        want = whole["summary"]["unexpected_flows"] + sum(
            f["flows"] - f["successes"] for f in whole["findings"] if f["kind"] == "blocked")
        tap.ok(len(lines) == want and
               all(e["event"]["kind"] == "alert" for e in lines) and
               {e["event"]["action"] for e in lines} == {"flow-unexpected",
                                                        "flow-attempt-failed"},
               "an event line for each unexpected flow and failed attempt (%d)" % want,
               "\n".join(json.dumps(e)[:200] for e in lines))

        # A capture with a header and no packet has no time for a window:
        # no report (once one was named after 1970), and it is said.
        empty = os.path.join(work, "empty.pcap")
        with open(demo, "rb") as f, open(empty, "wb") as g:
            g.write(f.read(24))
        out = os.path.join(work, "empty")
        os.mkdir(out)
        p = subprocess.run([FLOWAUDIT, "watch", "--site", site, "--report-dir", out,
                            "--format", "json", empty], stderr=subprocess.PIPE)
        err = p.stderr.decode()
        tap.ok(p.returncode == 0 and not glob.glob(os.path.join(out, "flowaudit-*")) and
               "no window to report" in err and "0 window reports" in err,
               "a capture without packets: no window report, and it is said",
               "%r\n%s" % (os.listdir(out), err))

        bad = os.path.join(work, "nowhere", "deeper")
        p = subprocess.run([FLOWAUDIT, "watch", "-q", "--site", site, "--report-dir", bad,
                            demo], stderr=subprocess.PIPE)
        tap.ok(p.returncode == 2 and b"cannot write reports into" in p.stderr,
               "a report directory that cannot be written: a clear error, exit 2",
               p.stderr.decode())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


main()

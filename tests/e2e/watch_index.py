"""flowaudit watch --report-dir over many windows: index.html and retention.

- Three 2 s windows over the demo capture with --keep 2: two windows' reports
  (every format) are left, index.html lists those two on its timeline and in
  its table, each link opens a report that is there, and the rule-host
  streaks equal those counted from the three windows' own JSON reports.
- The order (strace): no window report is removed before the new window's
  reports and index.html are in place; complete windows never drop below 2.
- Only watch's own files go: other names, a link named like a report (its
  target untouched) and temporaries stay.
- --keep-days: a window that started more than D days before the latest
  goes.
- Streaks survive a restart: read back from the JSON reports in the
  directory.
- A site name with markup is escaped in index.html.
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
SITE = os.path.join(SRCDIR, "pcaps", "demo-site.json")
DEMO = os.path.join(FIXTURES, "demo.pcap")
T0 = 1700000000
DAY = 86400
LIMIT = 60


class Index(HTMLParser):
    """What index.html shows: timeline cells, window rows, streak rows,
    every link, and whether there is a script."""

    def __init__(self, text):
        super().__init__()
        self.cells, self.links, self.rows = [], [], {"windows": [], "streaks": []}
        self.table, self.row, self.cell, self.text = None, None, None, []
        self.script = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" or any(k.startswith("on") for k in a):
            self.script = True
        if tag == "table" and a.get("id") in self.rows:
            self.table = a["id"]
        if tag == "a" and "data-verdict" in a:
            self.cells.append((a["data-verdict"], a.get("href")))
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "tr" and self.table:
            self.row = []
        if tag == "td" and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row:
                self.rows[self.table].append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def watch(out, *args, capture=DEMO, window="2s", formats=("json", "html", "csv")):
    cmd = [FLOWAUDIT, "watch", "-q", "--site", SITE, "--window", window,
           "--report-dir", out]
    for f in formats:
        cmd += ["--format", f]
    return subprocess.run(cmd + list(args) + [capture], stderr=subprocess.PIPE,
                          timeout=LIMIT)


def stamps(out):
    return sorted({re.match(r"flowaudit-(\d{8}T\d{6}Z)\.", os.path.basename(f)).group(1)
                   for f in glob.glob(os.path.join(out, "flowaudit-*Z.*"))})


def failing(report):
    """(rule, host) missing or blocked in a window's JSON report, as the
    index names the host: the client, else the server."""
    out = set()
    for f in report["findings"]:
        if f["kind"] in ("missing", "blocked"):
            out.add((f["rule"], f["client"]["ip"] or f["server"]["ip"] or
                     ", ".join(f["client"].get("expected", []))))
    return out


def streaks_of(reports):
    """Consecutive windows up to the latest each pair was failing in."""
    want = {}
    for pair in failing(reports[-1]):
        n = 0
        for r in reversed(reports):
            if pair not in failing(r):
                break
            n += 1
        want[pair] = n
    return want


def keep_two(tap, work):
    full = os.path.join(work, "full")
    os.mkdir(full)
    watch(full)
    reports = [json.load(open(os.path.join(full, "flowaudit-%s.json" % s)))
               for s in stamps(full)]
    out = os.path.join(work, "keep2")
    os.mkdir(out)
    p = watch(out, "--keep", "2")
    kept = stamps(out)
    files = sorted(os.path.basename(f) for f in glob.glob(os.path.join(out, "flowaudit-*")))
    tap.ok(p.returncode == 0 and len(reports) == 3 and kept == stamps(full)[1:] and
           len(files) == 6,
           "three windows, --keep 2: the two latest windows' reports are left, "
           "every format of the oldest removed", "%r\n%s" % (files, p.stderr.decode()))
    try:
        ix = Index(open(os.path.join(out, "index.html")).read())
    except OSError as e:
        tap.ok(False, "index.html written", str(e))
        return
    verdicts = [r["summary"]["verdict"] for r in reports[1:]]
    tap.ok([c[0] for c in ix.cells] == verdicts and
           [c[1] for c in ix.cells] == ["flowaudit-%s.html" % s for s in kept] and
           len(ix.rows["windows"]) == 2,
           "index.html: a timeline of the two kept windows coloured by verdict "
           "(%s), each linking its HTML report; two rows in the table" % verdicts,
           "%r\n%r" % (ix.cells, ix.rows["windows"]))
    missing = [l for l in ix.links if not os.path.exists(os.path.join(out, l))]
    tap.ok(ix.links and not missing and not ix.script,
           "every link of index.html opens a file that is there (%d); no script" %
           len(ix.links), repr(missing))
    want = streaks_of(reports)
    got = {(r[0], r[1]): int(r[3]) for r in ix.rows["streaks"]}
    tap.ok(got == want and max(want.values(), default=0) >= 2,
           "streaks: each rule and host missing or blocked, with the windows in a "
           "row counted from the windows' reports (longest %d)" %
           max(want.values(), default=0), "got %r\nwant %r" % (got, want))
    since = {(r[0], r[1]): r[4] for r in ix.rows["streaks"]}
    bad = []
    for pair, n in want.items():
        start = reports[len(reports) - n]["capture"]["window_start"]
        iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start))
        if not since.get(pair, "").startswith(iso):
            bad.append((pair, n, since.get(pair), iso))
    tap.ok(want and not bad,
           "each streak says since when: the start of its first window", repr(bad))


def removal_order(tap, work):
    if not shutil.which("strace"):
        tap.ok(True, "# SKIP strace not installed: the removal order is not traced")
        return
    out = os.path.join(work, "order")
    os.mkdir(out)
    log = os.path.join(work, "strace.log")
    cmd = ["strace", "-f", "-qq", "-o", log, "-e", "trace=rename,renameat,renameat2,"
           "unlink,unlinkat", FLOWAUDIT, "watch", "-q", "--site", SITE, "--window", "1s",
           "--report-dir", out, "--format", "json", "--format", "html", "--keep", "2", DEMO]
    # LeakSanitizer cannot run under ptrace: in the sanitizer build it would
    # end the traced run with an error of its own.
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    p = subprocess.run(cmd, stderr=subprocess.PIPE, timeout=LIMIT, env=env)
    present, formats, worst, events = set(), 2, None, []
    index_since_rename = False
    order_ok = True
    for line in open(log):
        m = re.search(r'rename\w*\(.*"([^"]+)".*"([^"]+)"', line)
        if m and not line.rstrip().endswith("= -1"):
            name = os.path.basename(m.group(2))
            if name == "index.html":
                index_since_rename = True
            if name.startswith("flowaudit-"):
                present.add(name)
                index_since_rename = False
            events.append("put " + name)
            continue
        m = re.search(r'unlink\w*\(.*"(flowaudit-[^"]+)"', line)
        if m and ".tmp." not in m.group(1):
            name = m.group(1)
            if not index_since_rename:
                order_ok = False
            present.discard(name)
            events.append("rm " + name)
            complete = sum(1 for s in {n.split(".")[0] for n in present}
                           if sum(1 for n in present if n.startswith(s + ".")) == formats)
            worst = complete if worst is None else min(worst, complete)
    tap.ok(p.returncode == 0 and worst is not None and worst >= 2 and order_ok,
           "strace: a window's reports are removed only after the new window's are "
           "renamed into place and index.html after them; complete windows never "
           "fewer than 2 (at least %s)" % worst,
           "\n".join(events[-40:]) + "\n" + p.stderr.decode())


def only_our_files(tap, work):
    out = os.path.join(work, "decoys")
    os.mkdir(out)
    victim = os.path.join(work, "victim.json")
    with open(victim, "w") as f:
        f.write("precious")
    decoys = ["notes.txt", "flowaudit-20000101T000000Z.json.bak",
              "flowaudit-2000.json", "flowaudit-20000101T000000Z.json.tmp.abcdef",
              "xflowaudit-20000101T000000Z.json", "flowaudit-20000101T000000Z.pdf"]
    for d in decoys:
        with open(os.path.join(out, d), "w") as f:
            f.write("keep me")
    os.symlink(victim, os.path.join(out, "flowaudit-20000101T000000Z.html"))
    with open(os.path.join(out, "flowaudit-20000101T000001Z.csv"), "w") as f:
        f.write("an old window's report")
    p = watch(out, "--keep", "1")
    left = set(os.listdir(out))
    tap.ok(p.returncode == 0 and all(d in left for d in decoys) and
           "flowaudit-20000101T000001Z.csv" not in left and
           os.path.islink(os.path.join(out, "flowaudit-20000101T000000Z.html")) and
           open(victim).read() == "precious" and
           b"not removing" in p.stderr and len(stamps(out)) == 2,
           "--keep 1: other names and temporaries stay, a link named like a report "
           "is left (its target untouched), an old report of ours goes",
           "%r\n%s" % (sorted(left), p.stderr.decode()))


def udp_frame(src, dst, sport, dport):
    payload = b"q" * 8
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes(src), bytes(dst))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp


def pcap(path, times):
    """At each time an exchange between the mobile service and the
    license server on a port no rule has: the mobile service is seen, and
    its required flows are missing."""
    mobile, license = (10, 1, 0, 20), (10, 1, 0, 10)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, t in enumerate(times):
            for frame in (udp_frame(mobile, license, 40000 + i, 9999),
                          udp_frame(license, mobile, 9999, 40000 + i)):
                f.write(struct.pack("<IIII", t, 0, len(frame), len(frame)) + frame)


def keep_days(tap, work):
    capture = os.path.join(work, "days.pcap")
    pcap(capture, [T0, T0 + 3 * DAY])
    out = os.path.join(work, "days")
    os.mkdir(out)
    p = watch(out, "--keep-days", "2", capture=capture, window="1h", formats=("json",))
    ix = Index(open(os.path.join(out, "index.html")).read())
    tap.ok(p.returncode == 0 and stamps(out) == ["20231117T220000Z"] and len(ix.cells) == 1,
           "--keep-days 2: a window started 3 days before the latest is removed",
           "%r\n%s" % (stamps(out), p.stderr.decode()))


def restart(tap, work):
    first, second = os.path.join(work, "r1.pcap"), os.path.join(work, "r2.pcap")
    pcap(first, [T0, T0 + 1, T0 + 2, T0 + 3])
    pcap(second, [T0 + 4, T0 + 5])
    out = os.path.join(work, "restart")
    os.mkdir(out)
    watch(out, capture=first, formats=("json",))
    p = watch(out, capture=second, formats=("json",))
    ix = Index(open(os.path.join(out, "index.html")).read())
    counts = {int(r[3]) for r in ix.rows["streaks"]}
    tap.ok(p.returncode == 0 and len(ix.cells) == 3 and counts == {3} and
           all(r[4].startswith("2023-11-14T22:13:20") for r in ix.rows["streaks"]),
           "a restart: the windows before it are read back from their JSON reports; "
           "streaks go on (3 windows in a row, since the first)",
           "%r %r\n%s" % (ix.cells, ix.rows["streaks"][:3], p.stderr.decode()))


def escaped(tap, work):
    site = json.load(open(SITE))
    site["name"] = "<img src=x onerror=alert(1)>&clinic"
    path = os.path.join(work, "hostile-site.json")
    json.dump(site, open(path, "w"))
    out = os.path.join(work, "hostile")
    os.mkdir(out)
    p = subprocess.run([FLOWAUDIT, "watch", "-q", "--site", path, "--window", "1d",
                        "--report-dir", out, "--format", "json", DEMO],
                       stderr=subprocess.PIPE, timeout=LIMIT)
    text = open(os.path.join(out, "index.html")).read()
    ix = Index(text)
    tap.ok(p.returncode == 0 and "<img" not in text and
           "&lt;img src=x onerror=alert(1)&gt;&amp;clinic" in text and not ix.script,
           "a site name with markup is escaped in index.html", p.stderr.decode())


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="flowaudit-index-")
    try:
        keep_two(tap, work)
        removal_order(tap, work)
        only_our_files(tap, work)
        keep_days(tap, work)
        restart(tap, work)
        escaped(tap, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()

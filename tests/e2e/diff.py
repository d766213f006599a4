"""flowaudit diff: what the golden cases (tests/e2e/cases/diff-*) cannot
show with fixed files.

- Identity: every finding diff names is a JUnit test name of the audit it
  comes from (new and changed: the new audit's; resolved: the old one's),
  over pairs of fixture audits of two sites (one with grouped hosts).
- The example flow is not the identity: another example client of a rule
  judged per server host, or server of one judged per client host, is no
  change.
- Sensors: one capture under another file name (a second sensor) gives no
  change, exit 0; the input names are not compared.
- watch windows: two windows' reports of one watch, one conversation in
  each: one new, one resolved, exit 1, the windows in the JSON; given the
  other way round, a warning that the order looks wrong.
- Order: the findings of a report shuffled give the same output, byte for
  byte.
- Hostile strings from a report (reason, site name) stay inert in markdown,
  text and JSON; JSON keeps them exactly.
- Bad input: invalid UTF-8 (file:line:column), a file past 256 MiB, exit 2.
- Reports with one value of another type, or removed: never a crash, and
  when refused, the JSON path is named.
- -o: FILE.md writes markdown; a symbolic link as -o is refused.
- The test data's reports (tests/data/diff) are valid flowaudit-report/1
  (when python3-jsonschema is installed).
- --help fits 80 columns and states the exit statuses.
"""
import copy
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
SITES = os.path.join(SRCDIR, "tests", "e2e", "sites")
DATA = os.path.join(SRCDIR, "tests", "data", "diff")
SCHEMA = os.path.join(SRCDIR, "docs", "report.schema.json")
LIMIT = 60


def run(args, **kw):
    return subprocess.run([FLOWAUDIT] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=LIMIT, **kw)


def audit(site, capture, fmt, out):
    p = run(["audit", "-q", "--site", os.path.join(SITES, site), "--format", fmt,
             "-o", out, capture])
    return p.returncode in (0, 1, 3)


def junit_names(path):
    return {c.get("name") for c in ET.parse(path).getroot().iter("testcase")}


def diff_json(old, new, *extra):
    p = run(["diff", "--format", "json"] + list(extra) + [old, new])
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


PAIRS = [
    ("separate.json", "healthy-separate", "refused-13667"),
    ("separate.json", "healthy-separate", "missing-13667"),
    ("separate.json", "healthy-separate", "unexpected"),
    ("separate.json", "healthy-separate", "demo-orig-only"),
    ("separate.json", "demo", "blocked-rst"),
    ("separate.json", "lost-synack", "peers-workstations"),
    ("dual-stack.json", "dual-stack", "missing-13667"),
    # Rules judged per server host (clients a population) and per port.
    ("webaccess-ports.json", "healthy-separate", "udp-S0"),
    # The licence server is a rule's server in no finding (its port is the
    # site's own): a missing finding's expected addresses show it a host.
    ("custom-port.json", "demo", "tcp-S0"),
]


def identity_is_junit_name(tap, work):
    seen = []
    for site, a, b in PAIRS:
        paths = {}
        ok = True
        for cap in (a, b):
            for fmt, ext in (("json", "json"), ("junit", "xml")):
                paths[cap, ext] = os.path.join(work, "%s-%s.%s" % (site, cap, ext))
                ok &= audit(site, os.path.join(FIXTURES, cap + ".pcap"), fmt,
                            paths[cap, ext])
        if not ok:
            tap.ok(False, "audits of %s and %s with %s" % (a, b, site))
            continue
        p, d = diff_json(paths[a, "json"], paths[b, "json"])
        if d is None:
            tap.ok(False, "diff %s %s: JSON" % (a, b), p.stderr.decode())
            continue
        names_a, names_b = junit_names(paths[a, "xml"]), junit_names(paths[b, "xml"])
        lost = []
        for kind, names in (("new", names_b), ("changed", names_b), ("resolved", names_a)):
            for item in d["findings"][kind]:
                if item["name"] not in names:
                    lost.append("%s: %s" % (kind, item["name"]))
        count = sum(len(d["findings"][k]) for k in ("new", "changed", "resolved"))
        seen += [i["name"] for k in ("new", "changed", "resolved")
                 for i in d["findings"][k] if i["rule"]]
        tap.ok(count > 0 and not lost,
               "%s -> %s (%s): the %d findings diff names are JUnit test names "
               "of their audit" % (a, b, site, count),
               "\n".join(lost) or "nothing changed")
    server = [n for n in seen if re.match(r"[^:]+: [a-z_]+_clients -> ", n)]
    units = [n for n in seen if re.search(r" (tcp|udp)/[0-9]+$", n)]
    tap.ok(server and units, "among them rules judged per server host (%d) and "
           "per port (%d)" % (len(server), len(units)), "\n".join(seen))


def other_examples(tap, work):
    """The example flow of a finding is not its identity: a rule judged per
    server host (mobile-inbound, from the mobile_clients population) whose
    example client changed, and one judged per client host (mobile-ad-auth)
    whose example server changed, are the same findings, unchanged. No
    missing finding in either report says which side they are judged on."""
    old = os.path.join(DATA, "healthy.json")
    new = json.load(open(old))
    for f in new["findings"]:
        if f["rule"] == "mobile-inbound":
            f["client"]["ip"] = "203.0.113.99"
        if f["rule"] == "mobile-ad-auth":
            f["server"]["ip"] = "10.1.0.3"
    path = os.path.join(work, "examples.json")
    json.dump(new, open(path, "w"))
    p, d = diff_json(old, path)
    s = d["summary"] if d else {}
    tap.ok(p.returncode == 0 and s.get("new") == 0 and s.get("resolved") == 0 and
           s.get("changed") == 0, "another example client or server: the same "
           "findings, unchanged", json.dumps(d and d["findings"])[:2000])


def sensors(tap, work):
    other = os.path.join(work, "sensor-b.pcap")
    shutil.copyfile(os.path.join(FIXTURES, "healthy-separate.pcap"), other)
    a, b = os.path.join(work, "sensor-a.json"), os.path.join(work, "sensor-b.json")
    audit("separate.json", os.path.join(FIXTURES, "healthy-separate.pcap"), "json", a)
    audit("separate.json", other, "json", b)
    p, d = diff_json(a, b)
    s = d["summary"] if d else {}
    tap.ok(p.returncode == 0 and s.get("new") == 0 and s.get("resolved") == 0 and
           s.get("changed") == 0 and s.get("unchanged", 0) > 0 and not d["warnings"],
           "one capture from two sensors (other input names): nothing changed, exit 0",
           "exit %d %r %s" % (p.returncode, s, p.stderr.decode()))


T0 = 1700000000   # a multiple of 2: windows of 2 s start here


def pcap(path, records):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in records:
            sec = int(t)
            usec = int(round((t - sec) * 1000000))
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


def udp(src, dst, sport, dport):
    payload = b"x" * 20
    u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0,
                     bytes(src), bytes(dst))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + u


def watch_windows(tap, work):
    """Window 1: mobile_service to the licence server on UDP 9999 (no rule);
    window 2: on UDP 9998. Each flow times out (udp=1) in its window."""
    site = os.path.join(SRCDIR, "pcaps", "demo-site.json")
    ms, lic = (10, 1, 0, 20), (10, 1, 0, 10)
    cap = os.path.join(work, "windows.pcap")
    # A packet read after a window's end but before the next tick still
    # counts in it: the frames on port 53 (unexpected in both windows, so
    # unchanged) bring the ticks.
    pcap(cap, [(T0 + 0.1, udp(ms, lic, 40000, 9999)),
               (T0 + 1.5, udp(ms, lic, 40001, 53)),
               (T0 + 2.3, udp(ms, lic, 40002, 53)),
               (T0 + 2.8, udp(ms, lic, 40003, 53)),
               (T0 + 3.2, udp(ms, lic, 40004, 9998)),
               (T0 + 3.9, udp(ms, lic, 40005, 53)),
               (T0 + 4.5, udp(ms, lic, 40006, 53)),
               (T0 + 6.0, udp(ms, lic, 40007, 53))])
    out = os.path.join(work, "windows")
    os.mkdir(out)
    p = run(["watch", "-q", "--site", site, "--window", "2s", "--timeout", "udp=1",
             "--threads", "1", "--report-dir", out, "--format", "json", cap])
    names = sorted(n for n in os.listdir(out) if re.match(r"flowaudit-.*\.json$", n))
    if len(names) < 2:
        tap.ok(False, "watch wrote two window reports", "%r %s" % (names, p.stderr.decode()))
        return
    first, second = (os.path.join(out, n) for n in names[:2])
    p, d = diff_json(first, second)
    new = [i["name"] for i in d["findings"]["new"]] if d else []
    gone = [i["name"] for i in d["findings"]["resolved"]] if d else []
    tap.ok(p.returncode == 1 and new == ["10.1.0.20 -> 10.1.0.10 udp/9998"] and
           gone == ["10.1.0.20 -> 10.1.0.10 udp/9999"],
           "two watch windows: the second window's conversation new, the first's "
           "resolved, exit 1", "exit %d new %r resolved %r %s" %
           (p.returncode, new, gone, p.stderr.decode()))
    tap.ok(d is not None and d["old"]["window_start"] == T0 and
           d["new"]["window_start"] == T0 + 2 and not d["warnings"],
           "the windows each report covers are in the diff",
           json.dumps(d and [d["old"], d["new"], d["warnings"]]))
    p = run(["diff", second, first])
    tap.ok(b"right order" in p.stderr and b"right order" in p.stdout,
           "the later window given first: a warning", p.stderr.decode())


def shuffled(tap, work):
    new = json.load(open(os.path.join(DATA, "orig-only.json")))
    random.Random(16).shuffle(new["findings"])
    random.Random(17).shuffle(new["capture_health"]["notes"])
    path = os.path.join(work, "report.json")
    old = os.path.join(DATA, "healthy.json")
    shutil.copyfile(os.path.join(DATA, "orig-only.json"), path)
    want = run(["diff", old, path]).stdout
    json.dump(new, open(path, "w"))
    got = run(["diff", old, path]).stdout
    tap.ok(want == got and b"changed" in got,
           "findings and notes in another order: the same output, byte for byte",
           "\n".join(l for l in got.decode().splitlines()[:40]))


HOSTILE = ("a | b <script>alert(1)</script> [x](https://evil.example/) "
           "![i](http://e/i.png) `code` *em* www.evil.example \x1b[2J\x1b]0;t\x07 "
           "\u202egnp.exe &amp; mail@evil.example")


def hostile(tap, work):
    old = json.load(open(os.path.join(DATA, "healthy.json")))
    new = copy.deepcopy(old)
    new["site"]["name"] = "Clinic | \u202eevil"
    f = next(x for x in new["findings"] if x["rule"] == "mobile-license")
    f["kind"], f["cause"], f["reason"] = "blocked", "rejected", HOSTILE
    f["failures"] = [{"cause": "rejected", "flows": 1, "units": 1}]
    path = os.path.join(work, "hostile.json")
    with open(path, "w", encoding="utf-8") as out:
        json.dump(new, out, ensure_ascii=False)
    old_path = os.path.join(DATA, "healthy.json")
    md = run(["diff", "--format", "markdown", old_path, path])
    text = md.stdout.decode("utf-8")
    rows = [l for l in text.splitlines() if l.startswith("| mobile-license")]
    cells = re.split(r"(?<!\\)\|", rows[0]) if rows else []
    # Each markup character must stand escaped (after a backslash).
    bad = [s for s in ("<script", "\x1b", "\u202e", "](", "`code`", "*em*", "www.evil",
                       "https://", "mail@", "![") if re.search(r"(?<!\\)" + re.escape(s), text)]
    tap.ok(md.returncode == 1 and len(cells) == 6 and not bad,
           "markdown: a hostile reason stays one cell, no HTML, link, image, code, "
           "emphasis, autolink or control", "cells %d, found %r\n%s" %
           (len(cells), bad, "\n".join(rows)))
    txt = run(["diff", old_path, path]).stdout.decode("utf-8")
    tap.ok("\x1b" not in txt and "\u202e" not in txt and "\\x1b[2J" in txt and
           "\\u202e" in txt, "text: controls and hidden characters as visible escapes")
    p, d = diff_json(old_path, path)
    raw = p.stdout.decode("utf-8")
    reason = d and d["findings"]["changed"][0]["new"]["reason"]
    tap.ok(reason == HOSTILE and "\u202e" not in raw and "\x1b" not in raw,
           "JSON: the reason kept exactly, hidden characters and controls escaped")


def bad_input(tap, work):
    good = os.path.join(DATA, "healthy.json")
    text = open(good, "rb").read()
    at = text.index(b'"reason"', 1000)
    path = os.path.join(work, "latin1.json")
    open(path, "wb").write(text[:at] + b'"reason": "caf\xe9",\n' + text[at:])
    line = text[:at].count(b"\n") + 1
    p = run(["diff", good, path])
    want = "latin1.json:%d:" % line
    tap.ok(p.returncode == 2 and want in p.stderr.decode() and
           "UTF-8" in p.stderr.decode() and not p.stdout,
           "a report that is not UTF-8: exit 2, file:line:column named", p.stderr.decode())
    big = os.path.join(work, "big.json")
    with open(big, "wb") as f:
        f.truncate((256 << 20) + 1)
    p = run(["diff", big, good])
    tap.ok(p.returncode == 2 and "larger than 256 MiB" in p.stderr.decode(),
           "a file past 256 MiB: refused unread, exit 2", p.stderr.decode())
    p = run(["diff", "--fail-on", "sometimes", good, good])
    tap.ok(p.returncode == 2 and "sometimes" in p.stderr.decode(),
           "--fail-on with an unknown kind: exit 2")
    p = run(["diff", good])
    tap.ok(p.returncode == 2, "one report only: exit 2")


def paths(doc, prefix="$"):
    """Every (JSON path, parent, key) of a document, in order."""
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for k, v in items:
        where = "%s.%s" % (prefix, k) if isinstance(doc, dict) else "%s[%d]" % (prefix, k)
        yield where, doc, k
        if isinstance(v, (dict, list)):
            yield from paths(v, where)


def mangled(tap, work):
    """Reports with one value replaced by another type, or removed: never a
    crash; exit 0 or 1 (a field the diff does not read), or 2 naming the
    file and the JSON path of the value, or a place within it."""
    base = json.load(open(os.path.join(DATA, "orig-only.json")))
    spots = list(paths(base))
    rng = random.Random(1616)
    path = os.path.join(work, "mangled.json")
    crashes, unnamed = [], []
    for n in range(150):
        doc = copy.deepcopy(base)
        where, _, _ = spots[rng.randrange(len(spots))]
        parent, key = next((p, k) for w, p, k in paths(doc) if w == where)
        if rng.random() < 0.3 and isinstance(parent, dict):
            del parent[key]
        else:
            parent[key] = rng.choice([None, 7, "x", [], {}, True])
        json.dump(doc, open(path, "w"))
        p = run(["diff", os.path.join(DATA, "healthy.json"), path])
        err = p.stderr.decode()
        if p.returncode not in (0, 1, 2):
            crashes.append("%s: exit %d %s" % (where, p.returncode, err))
        elif p.returncode == 2 and "mangled.json: $" not in err:
            unnamed.append("%s: %s" % (where, err))
    tap.ok(not crashes, "150 reports with a value of another type or removed: "
           "never a crash", "\n".join(crashes[:10]))
    tap.ok(not unnamed, "each one refused names the file and the JSON path",
           "\n".join(unnamed[:10]))


def outputs(tap, work):
    old, new = os.path.join(DATA, "healthy.json"), os.path.join(DATA, "refused.json")
    md = os.path.join(work, "comment.md")
    p = run(["diff", "-o", md, old, new])
    body = open(md).read() if os.path.exists(md) else ""
    tap.ok(p.returncode == 1 and body.startswith("### flowaudit diff: FAIL") and not p.stdout,
           "-o FILE.md: the markdown comment in the file", p.stderr.decode())
    target = os.path.join(work, "target.txt")
    open(target, "w").write("keep\n")
    link = os.path.join(work, "link.txt")
    os.symlink(target, link)
    p = run(["diff", "-o", link, old, new])
    tap.ok(p.returncode == 2 and open(target).read() == "keep\n",
           "-o through a symbolic link: refused, the target untouched", p.stderr.decode())


def schema(tap):
    try:
        import jsonschema
    except ImportError:
        tap.ok(True, "# SKIP python3-jsonschema not installed")
        return
    v = jsonschema.Draft7Validator(json.load(open(SCHEMA)))
    for name in ("healthy", "refused", "unexpected", "orig-only", "other-site"):
        doc = json.load(open(os.path.join(DATA, name + ".json")))
        errors = [e.message[:200] for e in v.iter_errors(doc)][:5]
        tap.ok(not errors, "tests/data/diff/%s.json is a valid flowaudit-report/1" % name,
               "\n".join(errors))


def help_text(tap):
    p = run(["diff", "--help"])
    out = p.stdout.decode()
    wide = [l for l in out.splitlines() if len(l) > 80]
    tap.ok(p.returncode == 0 and not wide and "Exit status" in out,
           "diff --help: within 80 columns, states the exit statuses", "\n".join(wide))


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="flowaudit-diff-")
    try:
        identity_is_junit_name(tap, work)
        other_examples(tap, work)
        sensors(tap, work)
        watch_windows(tap, work)
        shuffled(tap, work)
        hostile(tap, work)
        bad_input(tap, work)
        mangled(tap, work)
        outputs(tap, work)
        schema(tap)
        help_text(tap)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


main()

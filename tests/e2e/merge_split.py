"""flowaudit merge: the audit of a whole capture equals the merge of its
parts' audits (docs/merge.md, "What equal means").

For every audit fixture (the golden cases whose cmd is an audit of the
generated captures in pcaps/), the capture is split k = 2, 3, 7 ways:

- by time, conversation-whole: each conversation (address pair and
  protocol) goes wholly to the part in which its first packet falls; the
  cuts are at packet timestamps. Every flow is then in one part: the merge
  must equal the whole in everything (findings with their counts,
  examples and reasons, summary, capture health, exceptions, verdict, and
  the merge state itself).
- by host: each conversation goes to the part of the host that opened it
  (its first packet's source), as a sensor in front of that host sees its
  conversations (its DNS lookups with its connections). Same equality.
- by raw packet cuts at timestamps (k = 2; MERGE_SPLIT_RAW_KS=2,3,7 for
  more): a connection that spans a cut is two partial flows in two parts. The verdict must be equal. The
  findings usually are, but need not be: the second half of a cut flow has
  no handshake (no SNI, no SYN), and an ICMP error may land in another part
  than the flow it quotes. Those differences are printed as comments and
  counted ("raw cuts with the same findings: N of M"); counts are not
  compared (a connection is counted in two parts).
- ICMP errors go with the flow they quote, as the audit uses them.

Each split's reports are merged in four orders and groupings (forward,
reversed, (p1 + p2) + rest, p1 + (p2 + rest): merged reports merged
again; two parts have only the first two) and compared, normalised (inputs, provenance, timing, part
identities dropped), with the whole capture's report. Merging a report
with itself changes nothing (the second copy is skipped); a partial
overlap is refused. A watch run's window reports merge into the audit of
the whole run.

Empty parts are left out (no packet: nothing to audit). Under the
sanitizers (SANITIZED=yes) only k = 2 and four fixtures run.
"""
import concurrent.futures
import json
import os
import shlex
import struct
import subprocess
import sys
import tempfile
import time
import zlib

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
CASES = os.path.join(SRCDIR, "tests", "e2e", "cases")
SITES = os.path.join(SRCDIR, "tests", "e2e", "sites")
SANITIZED = os.environ.get("SANITIZED") == "yes"
KS = (2,) if SANITIZED else (2, 3, 7)
# Raw cuts prove less (the verdict) and cost as much: k = 2, unless
# MERGE_SPLIT_RAW_KS says more ("2,3,7"; the suite's time budget is tight).
RAW_KS = tuple(int(k) for k in os.environ.get("MERGE_SPLIT_RAW_KS", "2").split(","))
LIMIT = 120

# ---- reading and writing classic pcap ----


def read_pcap(path):
    """(header bytes, endianness, [(ts, record bytes, frame)], linktype) or
    None for anything but classic pcap."""
    data = open(path, "rb").read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    packets = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        end = off + 16 + incl
        if end > len(data):
            break     # a cut record: what the audit reads of it stays whole
        ts = sec + frac / (1e9 if nano else 1e6)
        packets.append((ts, data[off:end], data[off + 16:end]))
        off = end
    return data[:24], packets, linktype, data[off:]


ICMP4_ERRORS = (3, 4, 5, 11, 12)
ICMP6_ERRORS = (1, 2, 3, 4)


def quoted(ip, v6):
    """The flow an ICMP error quotes, as (source, destination, protocol), or
    None: the audit uses the error as evidence about that flow, so it goes
    with it."""
    if v6:
        if len(ip) < 48 + 40 or ip[6] != 58 or ip[40] not in ICMP6_ERRORS:
            return None
        inner = ip[48:]
        return inner[8:24], inner[24:40], inner[6]
    hl = (ip[0] & 15) * 4
    if len(ip) < hl + 8 + 20 or ip[9] != 1 or ip[hl] not in ICMP4_ERRORS:
        return None
    inner = ip[hl + 8:]
    return inner[12:16], inner[16:20], inner[9]


def ip_of(frame, linktype):
    """(source, destination, protocol) of the outer IP header, or of the
    flow an ICMP error quotes; None for anything else."""
    if linktype == 1:
        off, etype = 14, frame[12:14]
        while etype in (b"\x81\x00", b"\x88\xa8", b"\x91\x00") and len(frame) >= off + 4:
            etype = frame[off + 2:off + 4]
            off += 4
    elif linktype == 113:
        off, etype = 16, frame[14:16]
    elif linktype == 276:
        off, etype = 20, frame[0:2]
    elif linktype in (101, 12, 14):
        off = 0
        etype = b"\x08\x00" if frame[:1] and frame[0] >> 4 == 4 else b"\x86\xdd"
    else:
        return None
    ip = frame[off:]
    if etype == b"\x08\x00" and len(ip) >= 20:
        return quoted(ip, False) or (ip[12:16], ip[16:20], ip[9])
    if etype == b"\x86\xdd" and len(ip) >= 40:
        return quoted(ip, True) or (ip[8:24], ip[24:40], ip[6])
    return None


def cuts(packets, k):
    """k - 1 cut times at packet timestamps, splitting the packets evenly."""
    ts = sorted(p[0] for p in packets)
    return [ts[len(ts) * i // k] for i in range(1, k)]


def part_at(t, cut):
    return sum(1 for c in cut if t >= c)


def split(packets, linktype, k, how):
    """Each packet's part: how is "time" (conversation-whole), "host" or
    "raw"."""
    cut = cuts(packets, k)
    first = {}    # conversation -> (first time, opener)
    keys = []
    for ts, _, frame in packets:
        ip = ip_of(frame, linktype)
        key = (min(ip[0], ip[1]), max(ip[0], ip[1]), ip[2]) if ip else None
        keys.append(key)
        if key is not None and key not in first:
            first[key] = (ts, ip[0])
    parts = []
    for (ts, _, _), key in zip(packets, keys):
        if how == "raw" or key is None:
            parts.append(part_at(ts, cut) if how != "host" else 0)
        elif how == "time":
            parts.append(part_at(first[key][0], cut))
        else:
            parts.append(zlib.crc32(first[key][1]) % k)
    return parts


def write_parts(work, name, header, packets, parts, k):
    paths = []
    for i in range(k):
        recs = [p[1] for p, q in zip(packets, parts) if q == i]
        if not recs:
            continue
        path = os.path.join(work, "%s-%d.pcap" % (name, i))
        with open(path, "wb") as f:
            f.write(header)
            f.write(b"".join(recs))
        paths.append(path)
    return paths

# ---- running flowaudit ----


def run(args):
    p = subprocess.run([FLOWAUDIT] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=LIMIT)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def audit(rules, capture, out):
    rc, _, err = run(["audit", "-q", "--format", "json", "-o", out] + rules + [capture])
    return rc, err


def merge(reports, out):
    rc, _, err = run(["merge", "--format", "json", "-o", out] + reports)
    return rc, err


DROP_TOP = ("inputs", "tool", "provenance")


def finding_identity(f):
    """Kind, rule, the host it is judged on, cause; for an unexpected
    conversation its client, server and port."""
    judged = f.get("judged")
    if judged in ("client", "server"):
        host = json.dumps(f.get(judged, {}).get("ip"))
    else:
        host = json.dumps([f.get("client", {}).get("ip"), f.get("server", {}).get("ip"),
                           f.get("port")])
    return (f["kind"], f.get("rule") or "", host, f.get("cause") or "")


def normal(path, counts=True):
    """A report as compared: what it says of the traffic, not of its own
    making. Without counts: the verdict and the set of findings."""
    r = json.load(open(path))
    if not counts:
        return {"verdict": r["summary"].get("verdict"),
                "findings": sorted({finding_identity(f) for f in r["findings"]})}
    for k in DROP_TOP:
        r.pop(k, None)
    r["capture"].pop("peak_flows", None)    # the largest part's, not a sum
    r.get("state", {}).pop("parts", None)
    return r


def first_difference(a, b, where="$"):
    if type(a) is not type(b):
        return "%s: %r != %r" % (where, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (where, k, "whole" if k in a else "merge")
            d = first_difference(a[k], b[k], where + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (where, a, b)

# ---- the fixtures ----


def audit_fixtures():
    """(name, rules arguments, capture) of each distinct audit of a
    generated capture among the golden cases."""
    seen, out = set(), []
    for case in sorted(os.listdir(CASES)):
        try:
            cmd = open(os.path.join(CASES, case, "cmd")).read().strip()
        except OSError:
            continue
        args = shlex.split(cmd.replace("@FIXTURES@", FIXTURES).replace("@SITES@", SITES)
                           .replace("@CASE@", os.path.join(CASES, case)))
        if not args or args[0] != "audit":
            continue
        rules, captures, i = [], [], 1
        while i < len(args):
            a = args[i]
            if a in ("--site", "--matrix"):
                rules += [a, args[i + 1]]
                i += 2
            elif a in ("--format", "-o", "--color", "--fail-on"):
                i += 2
            elif a.startswith("-"):
                i += 1
            else:
                captures.append(a)
                i += 1
        if len(captures) != 1 or not captures[0].startswith(FIXTURES) \
                or "--site" not in rules:
            continue
        key = (tuple(rules), captures[0])
        if key not in seen:
            seen.add(key)
            out.append((case, rules, captures[0]))
    return out


def orders(parts, work, tag):
    """The merged report of each order and grouping: (name, path, rc, err)."""
    out = []

    def m(name, reports):
        path = os.path.join(work, "%s-%s.json" % (tag, name))
        rc, err = merge(reports, path)
        out.append((name, path, rc, err))
        return path

    m("forward", parts)
    m("reversed", parts[::-1])
    if len(parts) >= 3:
        left = m("left-inner", parts[:2])
        m("(p1+p2)+rest", [left] + parts[2:])
        right = m("right-inner", parts[1:])
        m("p1+(p2+rest)", [parts[0], right])
    return [o for o in out if "inner" not in o[0]]


class Results:
    """A fixture's checks, kept until they are printed in order (fixtures
    run two at a time)."""

    def __init__(self):
        self.lines = []
        self.notes = []
        self.tally = {"fixtures": 0, "splits": 0, "merges": 0, "equal": 0,
                      "raw": 0, "raw_same_findings": 0}

    def ok(self, cond, name, diag=None):
        self.lines.append((bool(cond), name, diag))


def merged_equal(how, want, want_set, rc_whole, reports, work, tag, res):
    """Whether every order's merge equals the whole, and why not."""
    same_set = True
    for oname, path, rc, err in orders(reports, work, tag):
        res.tally["merges"] += 1
        if rc != rc_whole:
            return False, "%s: exit %d, the whole %d: %s" % (oname, rc, rc_whole, err)
        if how == "raw":
            got = normal(path, counts=False)
            if got["verdict"] != want_set["verdict"]:
                return False, "%s: verdict %s, the whole %s" % (
                    oname, got["verdict"], want_set["verdict"])
            d = first_difference(want_set["findings"], got["findings"], "$.findings")
            if d and same_set:
                same_set = False
                res.notes.append("%s: a flow cut in two: %s" % (tag, d))
        else:
            d = first_difference(want, normal(path))
            if d:
                return False, "%s: %s" % (oname, d)
        res.tally["equal"] += 1
    if how == "raw":
        res.tally["raw"] += 1
        res.tally["raw_same_findings"] += same_set
    return True, ""


def check_fixture(work, name, rules, capture):
    res = Results()
    pcap = read_pcap(capture)
    if pcap is None:
        return res
    header, packets, linktype, _ = pcap
    whole = os.path.join(work, name + "-whole.json")
    rc_whole, err = audit(rules, capture, whole)
    audited = rc_whole in (0, 1, 3) and os.path.exists(whole)
    res.ok(audited, "%s: the whole capture audits" % name, err)
    if not audited:
        return res
    want = normal(whole)
    want_set = normal(whole, counts=False)
    res.tally["fixtures"] += 1

    # Merging a report with itself changes nothing.
    self_merge = os.path.join(work, name + "-self.json")
    rc, err = merge([whole, whole], self_merge)
    d = first_difference(want, normal(self_merge)) if rc == rc_whole else "exit %d" % rc
    res.ok(d is None and "already included" in err,
           "%s: merged with itself: the same report, the copy skipped" % name, d or err)

    for how in ("time", "host", "raw"):
        for k in RAW_KS if how == "raw" else KS:
            tag = "%s-%s%d" % (name, how, k)
            parts = write_parts(work, tag, header, packets, split(packets, linktype, k, how), k)
            reports = []
            for p in parts:
                out = p[:-5] + ".json"
                rc, err = audit(rules, p, out)
                if rc not in (0, 1, 3):
                    res.ok(False, "%s: part %s audits" % (tag, p), err)
                    break
                reports.append(out)
            else:
                equal, why = merged_equal(how, want, want_set, rc_whole, reports, work,
                                          tag, res)
                res.tally["splits"] += 1
                res.ok(equal, "%s: %d parts merged in every order equal the whole (%s)" % (
                    tag, len(reports),
                    "verdict" if how == "raw" else "everything"), why)
            for p in parts + reports:
                os.unlink(p)
    return res


def check_overlap(tap, work, rules, capture):
    """A merged report with one of its own parts: skipped; two merged
    reports sharing a part: refused, naming the report."""
    pcap = read_pcap(capture)
    header, packets, linktype, _ = pcap
    parts = write_parts(work, "overlap", header, packets, split(packets, linktype, 3, "time"), 3)
    reports = []
    for p in parts:
        audit(rules, p, p[:-5] + ".json")
        reports.append(p[:-5] + ".json")
    if len(reports) < 3:
        tap.ok(False, "the overlap capture splits into 3 parts", "%d parts" % len(reports))
        return
    ab = os.path.join(work, "overlap-ab.json")
    bc = os.path.join(work, "overlap-bc.json")
    merge(reports[:2], ab)
    merge(reports[1:], bc)
    rc, err = merge([ab, reports[0]], os.path.join(work, "overlap-ab-a.json"))
    tap.ok(rc in (0, 1, 3) and "already included" in err and reports[0] in err,
           "a merged report with one of its parts: the part is skipped, named", err)
    rc, err = merge([ab, bc], os.path.join(work, "overlap-refused.json"))
    tap.ok(rc == 2 and "shares 1 of its 2 parts" in err and bc in err,
           "two merged reports sharing a part: refused, naming the report", err)


def check_hostile(tap, work, rules, capture):
    """A report is untrusted input: each bad one is refused with a message
    naming the file and the JSON path, never a crash."""
    good = os.path.join(work, "hostile-good.json")
    audit(rules, capture, good)
    base = json.load(open(good))

    def mutated(name, change):
        r = json.loads(json.dumps(base))
        change(r)
        path = os.path.join(work, "hostile-%s.json" % name)
        with open(path, "w") as f:
            f.write(r if isinstance(r, str) else json.dumps(r))
        return path

    def set_in(path, value):
        def change(r):
            o = r
            for k in path[:-1]:
                o = o[k]
            o[path[-1]] = value
        return change

    cases = [
        ("rule-index", set_in(["state", "pairs", 0, "rule"], 99999),
         "state.pairs[0].rule"),
        ("negative-count", set_in(["state", "summary", "flows"], -1),
         "state.summary.flows"),
        ("absurd-count", set_in(["state", "pairs", 0, "evidence", "flows"], 1e300),
         "state.pairs[0].evidence.flows"),
        ("successes-past-attempts", set_in(["state", "pairs", 0, "evidence", "successes"],
                                           10 ** 9), "state.pairs[0].evidence.successes"),
        ("pairs-not-array", set_in(["state", "pairs"], "many"), "state.pairs"),
        ("bad-address", set_in(["state", "hosts", 0, 1], "10.1.0.300"), "state.hosts[0]"),
        ("bad-cause", set_in(["state", "unexpected", 0, "cause"], "because"),
         "state.unexpected[0].cause"),
        ("no-state", lambda r: r.pop("state"), "$.state"),
        ("state-version", set_in(["state", "version"], 2), "$.state.version"),
        ("bad-part", set_in(["state", "parts"], ["xyz"]), "$.state.parts[0]"),
    ]
    for name, change, where in cases:
        path = mutated(name, change)
        rc, err = merge([good, path], os.path.join(work, "hostile-out.json"))
        tap.ok(rc == 2 and path in err and where in err,
               "a report with %s: refused naming the file and %s" % (name, where),
               "exit %d: %s" % (rc, err))
    path = os.path.join(work, "hostile-text.json")
    with open(path, "w") as f:
        f.write('{"schema": "flowaudit-report/1", "state": {')
    rc, err = merge([good, path], os.path.join(work, "hostile-out.json"))
    tap.ok(rc == 2 and path in err and "not JSON" in err,
           "a cut report: refused as not JSON, naming the file", err)
    other = mutated("other-matrix", set_in(["state", "matrix_sha256"], "0" * 64))
    rc, err = merge([good, other], os.path.join(work, "hostile-out.json"))
    tap.ok(rc == 2 and good in err and other in err and "different matrices" in err,
           "reports of different matrices: refused, naming both", err)
    other = mutated("other-site", set_in(["state", "site_sha256"], "1" * 64))
    rc, err = merge([good, other], os.path.join(work, "hostile-out.json"))
    tap.ok(rc == 2 and good in err and other in err and "different sites" in err,
           "reports of different sites: refused, naming both", err)


def check_watch(tap, work, rules, capture):
    """A watch run's window reports merge into the audit of the whole run."""
    out = os.path.join(work, "windows")
    os.mkdir(out)
    rc, _, err = run(["watch", "-q", "--window", "1s", "--report-dir", out,
                      "--format", "json"] + rules + [capture])
    names = sorted(n for n in os.listdir(out) if n.startswith("flowaudit-"))
    tap.ok(len(names) >= 3, "watch over the capture: %d window reports" % len(names), err)
    if len(names) < 3:
        return
    whole = os.path.join(work, "watch-whole.json")
    audit(rules, capture, whole)
    merged = os.path.join(work, "watch-merged.json")
    rc, err = merge([os.path.join(out, n) for n in names], merged)
    # A flow open at a window's end counts in each window it had packets
    # in (docs/watch.md), so counts may be larger; the verdict and the
    # findings are the run's.
    d = first_difference(normal(whole, counts=False), normal(merged, counts=False))
    tap.ok(rc in (0, 1, 3) and d is None and "already included" not in err,
           "the %d window reports of a watch merge into the whole run's verdict "
           "and findings" % len(names), d or err)


def main():
    tap = Tap()
    fixtures = audit_fixtures()
    if not fixtures:
        tap.skip_all("no audit fixtures in %s" % CASES)
    if SANITIZED:
        fixtures = [f for f in fixtures if os.path.basename(f[2]) in (
            "demo.pcap", "unexpected.pcap", "blocked-nxdomain.pcap",
            "demo-orig-only.pcap")]
    tally = Results().tally
    start = time.time()
    with tempfile.TemporaryDirectory(prefix="flowaudit-merge-") as work:
        # Two at a time: most of a check is waiting for flowaudit.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            runs = [pool.submit(check_fixture, work, *f) for f in fixtures]
            for r in runs:
                res = r.result()
                for cond, name, diag in res.lines:
                    tap.ok(cond, name, diag)
                for note in res.notes:
                    print("# raw cut, findings differ (expected, docs/merge.md):", note)
                for k in tally:
                    tally[k] += res.tally[k]
        demo = [f for f in fixtures if os.path.basename(f[2]) == "demo.pcap"]
        if demo:
            check_overlap(tap, work, demo[0][1], demo[0][2])
            check_watch(tap, work, demo[0][1], demo[0][2])
            check_hostile(tap, work, demo[0][1], demo[0][2])
    print("# %d fixtures x %d splits each (time and host: k = %s; raw: k = %s) x 2-4 "
          "orders: %d splits, %d merges, %d equal (time and host: everything; raw: "
          "the verdict); raw cuts with the same findings: %d of %d; in %.0f s" % (
              tally["fixtures"], 2 * len(KS) + len(RAW_KS), ", ".join(map(str, KS)),
              ", ".join(map(str, RAW_KS)),
              tally["splits"], tally["merges"], tally["equal"],
              tally["raw_same_findings"], tally["raw"], time.time() - start))
    tap.done()


main()

"""random_payload.py - an application constraint never acts on noise
(docs/app-confidence.md).

The generator's random-payload capture holds 10,000 flows of random bytes
on 13667, 443, 80, 1433, 445 and 88, half opened from the SYN, half picked
up mid-stream. nDPI's heuristics name a few of them (RTMP, Telegram,
Z39.50, ...); none of that may gate:

- flows: every application nDPI named from these bytes is a give-up guess
  or weak (none is confident), and agrees with ndpiReader's (when
  installed), so it is nDPI, not us;
- audit, with a site that makes every flow match a rule
  (tests/e2e/sites/random-payload.json: the licence, web, SQL, share and
  Kerberos rules): no app-mismatch finding, nothing unexpected, and every
  flow counts as its rule's attempt (the flows of the observed findings add
  up to the capture's);
- the same audit under the strictest matrix, every service's `apps` made
  ["unknown"] (any confident identification at all would be a mismatch):
  still no app-mismatch.

  python3 random_payload.py                  the checks (TAP)
  python3 random_payload.py --table F.jsonl  the doc's table from flows output
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap, have  # noqa: E402

FLOWAUDIT = os.environ.get("FLOWAUDIT", "flowaudit")
FIXTUREGEN = os.environ.get("FIXTUREGEN", "fixturegen")
SITE = os.path.join(SRCDIR, "tests", "e2e", "sites", "random-payload.json")
MATRIX = os.path.join(SRCDIR, "rules", "speechexec-enterprise.json")
PORTS = [13667, 443, 80, 1433, 445, 88]
COUNT = 10000


def server_port(r):
    """The generator's server port (a mid-stream flow whose first packet
    was the server's may be oriented the other way)."""
    return r["id.resp_p"] if r["id.resp_p"] in PORTS else r["id.orig_p"]


def opening(r):
    return "handshake" if r.get("history", "").startswith("S") else "mid-stream"


def label(r):
    app = r.get("app", "Unknown")
    return "%s.%s" % (r["master_app"], app) if r.get("master_app") else app


def named(r):
    """nDPI named something from the flow's own bytes (not a guess)."""
    return r.get("app", "Unknown") != "Unknown" and not r.get("app_guessed")


def table(records):
    """Markdown: protocol x (port, opening), with how sure each is."""
    cols = [(p, o) for p in PORTS for o in ("handshake", "mid-stream")]
    cells = collections.Counter()
    rows = collections.Counter()
    totals = collections.Counter()
    for r in records:
        col = (server_port(r), opening(r))
        totals[col] += 1
        if r.get("app_guessed"):
            how = "give-up guess"
        else:
            how = r.get("app_confidence", "confident")
        key = (label(r), how)
        rows[key] += 1
        cells[(key, col)] += 1
    out = ["| nDPI protocol | ours | " +
           " | ".join("%d %s" % (p, "hs" if o == "handshake" else "mid") for p, o in cols) +
           " | all |",
           "|---|---|" + "---:|" * (len(cols) + 1)]
    order = sorted(rows, key=lambda k: (k[1] == "give-up guess", k[0] == "Unknown", -rows[k]))
    for key in order:
        out.append("| %s | %s | " % key +
                   " | ".join(str(cells[(key, c)] or "") for c in cols) +
                   " | %d |" % rows[key])
    out.append("| flows | | " + " | ".join(str(totals[c]) for c in cols) +
               " | %d |" % sum(totals.values()))
    return "\n".join(out)


def flows(path):
    p = subprocess.run([FLOWAUDIT, "flows", "--format", "jsonl", path],
                       capture_output=True, text=True)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines() if l.strip()], p.stderr


def audit(path, *extra):
    p = subprocess.run([FLOWAUDIT, "audit", "--format", "json", "-q", "--site", SITE,
                        *extra, path], capture_output=True, text=True)
    try:
        return p.returncode, json.loads(p.stdout), p.stderr
    except ValueError:
        return p.returncode, None, p.stderr


# ndpiReader writes "->" for a flow it saw one way only (it does so for a
# few two-way flows of this capture too, its own flow table's doing).
LINE = re.compile(r"^\s+\d+\s+TCP\s+(\S+):(\d+)\s+<?->\s+(\S+):(\d+)\s+"
                  r"\[proto: [0-9.]+/([^\]]+)\].*?\[Confidence: ([^\]]+)\]")


def ndpi_reader(path):
    """ndpiReader's label and confidence per flow, keyed as ours."""
    p = subprocess.run(["ndpiReader", "-i", path, "-v", "2", "-q"],
                       capture_output=True, text=True, errors="replace")
    out = {}
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if m:
            a, ap, b, bp, app, conf = m.groups()
            out[frozenset([(a, int(ap)), (b, int(bp))])] = (app, conf)
    return out


def strictest_matrix(work):
    """The shipped matrix with every TCP/UDP service's apps ["unknown"]."""
    with open(MATRIX) as f:
        m = json.load(f)
    for rule in m["rules"]:
        for s in rule.get("services", []):
            protos = s.get("proto")
            protos = protos if isinstance(protos, list) else [protos]
            if "icmp" not in protos:
                s["apps"] = ["unknown"]
    path = os.path.join(work, "strict.json")
    with open(path, "w") as f:
        json.dump(m, f)
    return path


def check_flows(tap, pcap, records):
    tap.ok(len(records) == COUNT, "flows: %d flows of random bytes (want %d)"
           % (len(records), COUNT))
    for line in table(records).splitlines():
        print("#", line)
    hits = [r for r in records if named(r)]
    confident = [r for r in hits if r.get("app_confidence") not in ("weak", "guess")]
    tap.ok(hits and not confident,
           "flows: nDPI named %d flows from their bytes, none confidently"
           % len(hits),
           "\n".join("%s %s:%s -> %s:%s" % (label(r), r["id.orig_h"], r["id.orig_p"],
                                           r["id.resp_h"], r["id.resp_p"])
                     for r in confident[:20]))
    licence = [r for r in hits if server_port(r) == 13667]
    tap.ok(licence, "flows: among them %d licence flows (%s)"
           % (len(licence), ", ".join(sorted({label(r) for r in licence}))))
    if not have("ndpiReader"):
        tap.ok(True, "# SKIP ndpiReader (libndpi-bin) is not installed")
        return
    theirs = ndpi_reader(pcap)
    differ = []
    for r in hits:
        key = frozenset([(r["id.orig_h"], r["id.orig_p"]), (r["id.resp_h"], r["id.resp_p"])])
        got = theirs.get(key)
        if not got or got[0] != label(r) or got[1] != "DPI":
            differ.append("%s vs ndpiReader %s" % (label(r), got))
    tap.ok(len(theirs) == COUNT and not differ,
           "flows: ndpiReader names the same %d flows the same, by DPI (it read %d flows)"
           % (len(hits), len(theirs)), "\n".join(differ[:20]))


def check_audit(tap, pcap, records, strict):
    rc, rep, err = audit(pcap)
    tap.ok(rep is not None, "audit: a JSON report", err[-2000:])
    if rep is None:
        return
    f = rep["findings"]
    mismatch = [x for x in f if x["cause"] == "app-mismatch"]
    tap.ok(not mismatch, "audit: no app-mismatch finding",
           "\n".join(x["reason"] for x in mismatch[:20]))
    unexpected = [x for x in f if x["kind"] == "unexpected"]
    tap.ok(not unexpected and rep["summary"]["unexpected_flows"] == 0,
           "audit: nothing unexpected", "\n".join(x["reason"] for x in unexpected[:20]))
    # One finding per rule and host pair; mobile-inbound's holds 80 and 443.
    group = {13667: "13667", 443: "80+443", 80: "80+443", 1433: "1433",
             445: "445", 88: "88"}
    observed = collections.Counter()
    for x in f:
        if x["kind"] == "observed":
            observed[group.get(x["port"], x["port"])] += x["flows"]
    want = collections.Counter(group[server_port(r)] for r in records)
    tap.ok(observed == want,
           "audit: every flow counts as its rule's attempt, observed (%s)"
           % ", ".join("%s: %d" % (g, n) for g, n in sorted(observed.items())),
           "observed %r\nflows    %r" % (dict(observed), dict(want)))
    lic = {x["rule"] for x in f if x["kind"] == "observed" and x["port"] == 13667}
    tap.ok(lic == {"mobile-license", "speechlive-license", "webaccess-license"},
           "audit: the three required licence rules observed", repr(lic))

    rc, rep, err = audit(pcap, "--matrix", strict)
    tap.ok(rep is not None, "strictest matrix: a JSON report", err[-2000:])
    if rep is None:
        return
    mismatch = [x for x in rep["findings"] if x["cause"] == "app-mismatch"]
    tap.ok(not mismatch and rep["summary"]["unexpected_flows"] == 0,
           "strictest matrix (every service's apps [\"unknown\"]): no app-mismatch, "
           "nothing unexpected",
           "\n".join(x["reason"] for x in mismatch[:20]))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--table":
        with open(sys.argv[2]) as f:
            print(table([json.loads(l) for l in f if l.strip()]))
        return
    tap = Tap()
    work = tempfile.mkdtemp(prefix="flowaudit-random-")
    try:
        pcap = os.path.join(work, "random-payload.pcap")
        p = subprocess.run([FIXTUREGEN, "random-payload", pcap, "--count", str(COUNT)],
                           capture_output=True, text=True)
        tap.ok(p.returncode == 0, "the generator makes random-payload", p.stderr)
        if p.returncode != 0:
            tap.done()
        rc, records, err = flows(pcap)
        tap.ok(rc == 0, "flows runs", err[-2000:])
        check_flows(tap, pcap, records)
        check_audit(tap, pcap, records, strictest_matrix(work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()

"""Floods: flowaudit keeps working, within its memory bounds, and loses
nothing of what matters.

- SYN flood: the generator's syn-flood capture (5,000,000 SYNs from random
  tuples; 500,000 under the sanitizers, whose memory and speed are not the
  product's) around a small legitimate site. Peak RSS stays within the flow
  cap's budget (64 MiB + 400 bytes per flow), evictions are counted in the
  report, every flood flow is still counted as unexpected, and the findings
  on the legitimate traffic equal those of a run with a flood too small to
  evict anything.
- DNS flood of unique names: the name index stays within its bound, the
  oldest names evicted and counted.
"""
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTUREGEN = os.environ["FIXTUREGEN"]
SITE = os.path.join(SRCDIR, "tests", "e2e", "sites", "separate.json")
SANITIZED = os.environ.get("SANITIZED") == "yes"

SYN_FLOOD = 500_000 if SANITIZED else 5_000_000
MAX_FLOWS = 50_000 if SANITIZED else 1_000_000
NAME_INDEX_BOUND = 262_144      # classify_options_default's name_index_entries
DNS_FLOOD = 300_000


def run(args):
    """Runs flowaudit; returns (exit, stdout, stderr, peak RSS in KiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run([FLOWAUDIT] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far: only a run
    # that set a new high is measured exactly, so the big run goes first.
    return p.returncode, p.stdout.decode(), p.stderr.decode(), max(after, before)


def legit(report):
    """The findings about the site's own traffic: everything but the
    flood's unexpected flows."""
    keep = []
    for f in report["findings"]:
        if f["kind"] == "unexpected":
            continue
        keep.append((f["kind"], f.get("rule"), f["client"]["ip"], f["server"]["ip"],
                     f["flows"], f["packets"], f["bytes"], f["state"]))
    return keep


def generate(case, path, count):
    p = subprocess.run([FIXTUREGEN, case, path, "--count", str(count)],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode == 0, p.stdout.decode()


def syn_flood(tap, work):
    big = os.path.join(work, "flood.pcap")
    small = os.path.join(work, "small.pcap")
    ok, out = generate("syn-flood", big, SYN_FLOOD)
    ok2, out2 = generate("syn-flood", small, 1000)
    tap.ok(ok and ok2, "the generator makes a %d-SYN flood" % SYN_FLOOD, out + out2)
    if not (ok and ok2):
        return
    rc, out, err, rss_kib = run(["audit", "--site", SITE, "--format", "json",
                                 "--max-flows", str(MAX_FLOWS), big])
    os.unlink(big)
    tap.ok(rc == 1 and out, "the audit of the flood completes (exit 1: findings)",
           err[-2000:])
    if not out:
        return
    report = json.loads(out)
    budget_kib = (64 * 1024 * 1024 + 400 * MAX_FLOWS) // 1024
    if SANITIZED:
        tap.ok(True, "# SKIP peak RSS under AddressSanitizer is not the product's")
    else:
        tap.ok(rss_kib <= budget_kib,
               "peak RSS %d MiB within the budget of %d MiB (64 MiB + 400 B x %d flows)"
               % (rss_kib // 1024, budget_kib // 1024, MAX_FLOWS))
    evicted = report["capture"]["evicted"]
    tap.ok(evicted >= SYN_FLOOD - MAX_FLOWS - 1000,
           "the report counts %d flows finished early (at least flood %d - cap %d)"
           % (evicted, SYN_FLOOD, MAX_FLOWS), json.dumps(report["capture"]))
    tap.ok(report["capture"]["peak_flows"] <= MAX_FLOWS,
           "never more than %d flows in memory" % MAX_FLOWS,
           json.dumps(report["capture"]))
    s = report["summary"]
    tap.ok(s["unexpected_flows"] >= SYN_FLOOD * 0.999 and
           s["unexpected_not_itemized"] > 0,
           "every flood flow is counted as unexpected (%d), beyond the itemized %d"
           % (s["unexpected_flows"], s["unexpected"]), json.dumps(s))

    rc, out_small, err, _ = run(["audit", "--site", SITE, "--format", "json", small])
    want = legit(json.loads(out_small))
    got = legit(report)
    tap.ok(got == want and any(k == "observed" for k, *_ in want),
           "the findings on the legitimate traffic are unchanged by the flood "
           "(%d findings)" % len(want),
           "flood: %r\nsmall: %r" % (got[:6], want[:6]))


def dns_flood(tap, work):
    path = os.path.join(work, "dns.pcap")
    ok, out = generate("dns-flood", path, DNS_FLOOD)
    tap.ok(ok, "the generator makes %d lookups of unique names" % DNS_FLOOD, out)
    if not ok:
        return
    # Into a file: -o names no device unless --allow-special-output.
    rc, out, err, _ = run(["flows", "--format", "jsonl", "-o",
                           os.path.join(work, "dns-flows.jsonl"), path])
    m = re.search(r"name index (\d+) entries, (\d+) evicted", err)
    tap.ok(rc == 0 and m is not None, "the summary reports the name index", err)
    if not m:
        return
    entries, evicted = int(m.group(1)), int(m.group(2))
    tap.ok(entries <= NAME_INDEX_BOUND,
           "the name index holds %d entries, within its bound of %d"
           % (entries, NAME_INDEX_BOUND))
    tap.ok(evicted >= DNS_FLOOD - NAME_INDEX_BOUND,
           "the oldest names were evicted and counted (%d)" % evicted)


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="flowaudit-flood-")
    try:
        syn_flood(tap, work)
        dns_flood(tap, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


main()

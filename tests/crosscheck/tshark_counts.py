#!/usr/bin/env python3
"""TCP and UDP flow counts agree with `tshark -z conv,tcp -z conv,udp` on
every capture of ../shared/pcaps/real that tshark reads: within 2%, or as
tshark-known-differences.tsv explains (one line per capture and why)."""
import os
import subprocess

from common import REAL, Tap, captures, flows, have, require_corpus, tshark_view

tap = Tap()
tap.skip_under_sanitizers()
require_corpus(tap)
if not have("tshark"):
    tap.skip_all("tshark is not installed")

known = {}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "tshark-known-differences.tsv")) as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        cap, ours, theirs, why = line.rstrip("\n").split("\t", 3)
        known[cap] = (ours, theirs, why)


for cap in captures():
    path = os.path.join(REAL, cap)
    if subprocess.run(["capinfos", path], capture_output=True).returncode != 0:
        continue  # tshark cannot read it either
    _, recs, _ = flows(path)
    ours = "%d/%d" % (sum(r["proto"] == "tcp" for r in recs),
                      sum(r["proto"] == "udp" for r in recs))
    theirs = "%d/%d" % tshark_view(path)[1]
    if cap in known:
        k_ours, k_theirs, why = known[cap]
        tap.ok((ours, theirs) == (k_ours, k_theirs),
               "%s: tcp/udp %s vs tshark %s, known: %s" % (cap, ours, theirs, why),
               "expected %s vs %s" % (k_ours, k_theirs))
        continue
    ot, ou = map(int, ours.split("/"))
    tt, tu = map(int, theirs.split("/"))
    close = all(abs(a - b) <= max(0.02 * b, 0) for a, b in ((ot, tt), (ou, tu)))
    tap.ok(close, "%s: tcp/udp flows %s, tshark %s" % (cap, ours, theirs))
tap.done()

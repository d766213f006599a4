#!/usr/bin/env python3
"""Every flow's Community ID (our uid's peer key) is one tshark computes for
the same packets: an independent implementation of the specification."""
import os
import subprocess

from common import REAL, Tap, captures, flows, have, require_corpus, tshark_view

tap = Tap()
tap.skip_under_sanitizers()
require_corpus(tap)
if not have("tshark"):
    tap.skip_all("tshark is not installed")

for cap in captures():
    path = os.path.join(REAL, cap)
    if subprocess.run(["capinfos", path], capture_output=True).returncode != 0:
        continue
    theirs, _ = tshark_view(path)
    _, recs, _ = flows(path)
    # For a tunnelled packet tshark hashes the innermost IP header, so the
    # outer VXLAN/Geneve carrier flows have no peer value.
    mine = [r for r in recs if r["proto"] in ("tcp", "udp", "icmp")
            and not (r["proto"] == "udp" and r["id.resp_p"] in (4789, 6081))]
    if not mine:
        continue
    missing = [r["community_id"] for r in mine if r["community_id"] not in theirs]
    tap.ok(not missing, "%s: %d community ids match tshark" % (cap, len(mine)),
           "not computed by tshark: %s" % missing[:5])
tap.done()

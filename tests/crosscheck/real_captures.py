#!/usr/bin/env python3
"""Every capture of ../shared/pcaps/real: flowaudit flows exits 0, or exits
2 having named the file and the fault; it never crashes (under the sanitizer
build too), and a capture cut short still yields the flows read before."""
import os
import subprocess

from common import FLOWAUDIT, REAL, Tap, captures, require_corpus

tap = Tap()
require_corpus(tap)
for cap in captures():
    path = os.path.join(REAL, cap)
    p = subprocess.run([FLOWAUDIT, "flows", "--format", "jsonl", path],
                       capture_output=True, text=True)
    err = "\n".join(l for l in p.stderr.splitlines()
                    if not l.startswith("flowaudit: ") or path in l)
    sane = p.returncode == 0 or (p.returncode == 2 and path in p.stderr)
    tap.ok(sane and "Sanitizer" not in p.stderr and "runtime error" not in p.stderr,
           "%s: exit %d" % (cap, p.returncode), p.stderr[-2000:])

# The nDPI fuzz capture ends in the middle of packet 2: the fault is named
# with the packet number and offset; packet 1 (a fuzzed BSD null header) was
# still read and is counted under its reason.
cut = os.path.join(REAL, "ndpi", "fuzz-2021-10-13.pcap")
if os.path.exists(cut):
    p = subprocess.run([FLOWAUDIT, "flows", "--format", "jsonl", cut],
                       capture_output=True, text=True)
    tap.ok("packet 2" in p.stderr and "byte offset 239" in p.stderr,
           "a capture cut mid-packet names packet and offset", p.stderr)
    tap.ok(p.returncode == 0 and "null.unknown_family: 1" in p.stderr,
           "the packet before the cut was read and accounted", p.stderr)
tap.done()

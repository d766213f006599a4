#!/usr/bin/env python3
"""The audit on every capture of ../shared/pcaps/real, with a trivial site
binding the capture's busiest server address to a role: it completes
without error (exit 0, 1, or 3 when a capture could not be read whole; 2
only for a capture that names its own fault),
every finding has a cause and a reason, and the JSON report is byte-for-byte the same
across two runs (the normal build; the sanitizer build runs each once)."""
import json
import os
import subprocess
import tempfile

from common import FLOWAUDIT, REAL, SANITIZED, Tap, captures, require_corpus


def busiest_server(path):
    p = subprocess.run([FLOWAUDIT, "flows", "-q", "--no-dpi", "--format", "jsonl", path],
                       capture_output=True, text=True)
    counts = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        if r["proto"] in ("tcp", "udp"):
            counts[r["id.resp_h"]] = counts.get(r["id.resp_h"], 0) + 1
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


tap = Tap()
require_corpus(tap)
work = tempfile.mkdtemp(prefix="flowaudit-real-audit-")
for cap in captures():
    path = os.path.join(REAL, cap)
    server = busiest_server(path)
    if not server:
        tap.ok(True, "%s: no TCP/UDP flow to audit # SKIP" % cap)
        continue
    site = os.path.join(work, "site.json")
    with open(site, "w") as f:
        json.dump({"name": "busiest server of " + cap,
                   "roles": {"license_server": [server]}}, f)
    # Twice, for determinism, in the normal build; once under the sanitizers.
    runs = [subprocess.run([FLOWAUDIT, "audit", "-q", "--site", site, "--format", "json",
                            path], capture_output=True) for _ in range(1 if SANITIZED else 2)]
    p = runs[0]
    sane = p.returncode in (0, 1, 3) or (p.returncode == 2 and path.encode() in p.stderr)
    try:
        report = json.loads(p.stdout) if p.stdout else {"findings": []}
    except ValueError as e:
        tap.ok(False, "%s: the JSON report parses" % cap, str(e))
        continue
    reasons = all(f.get("reason") and f.get("cause") for f in report["findings"])
    same = runs[0].stdout == runs[-1].stdout
    tap.ok(sane and reasons and same and b"Sanitizer" not in p.stderr,
           "%s: audit with %s as license_server: exit %d, %d findings with causes and reasons%s"
           % (cap, server, p.returncode, len(report["findings"]),
              ", identical across runs" if len(runs) > 1 else ""),
           p.stderr.decode(errors="replace")[-1500:])
tap.done()

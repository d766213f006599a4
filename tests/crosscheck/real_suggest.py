#!/usr/bin/env python3
"""`flowaudit suggest` on every capture of ../shared/pcaps/real: none of
them was made for the matrix, so the point is robustness and honesty. It
never crashes: exit 0 (a site proposed), or 2 with a message: no role of
the matrix shown, or the capture it could not read, named; the
same site comes out of two runs (the normal build; the sanitizer build
runs each once); a proposed site passes `flowaudit check`;
and the test's name says what it found."""
import json
import os
import subprocess
import tempfile

from common import FLOWAUDIT, REAL, SANITIZED, Tap, captures, require_corpus

MATRIX = os.path.join(os.environ.get("SRCDIR", "."), "rules", "speechexec-enterprise.json")

tap = Tap()
require_corpus(tap)
work = tempfile.mkdtemp(prefix="flowaudit-real-suggest-")
for cap in captures():
    path = os.path.join(REAL, cap)
    site = os.path.join(work, "site.json")
    if os.path.exists(site):
        os.unlink(site)
    p = subprocess.run([FLOWAUDIT, "suggest", "-q", "--matrix", MATRIX, "-o", site,
                        "--evidence", os.path.join(work, "evidence.md"), path],
                       capture_output=True)
    first = open(site, "rb").read() if os.path.exists(site) else b""
    # Run again (to standard output) for determinism, in the normal build.
    again = None if SANITIZED else subprocess.run(
        [FLOWAUDIT, "suggest", "-q", "--matrix", MATRIX, path], capture_output=True)
    err = p.stderr.decode(errors="replace")
    sane = (p.returncode == 0 or
            (p.returncode == 2 and "no role of the matrix" in err) or
            (p.returncode == 2 and path in err))
    crashed = "Sanitizer" in err or p.returncode < 0
    same = p.returncode != 0 or again is None or first == again.stdout
    roles = {}
    checked = True
    if p.returncode == 0:
        roles = json.loads(first).get("roles", {})
        c = subprocess.run([FLOWAUDIT, "check", "--matrix", MATRIX, "--site", site],
                           capture_output=True, text=True)
        checked = c.returncode == 0
        err += c.stderr
    found = ", ".join("%s=%d" % (r, len(v)) for r, v in sorted(roles.items())) or "nothing"
    tap.ok(sane and not crashed and same and checked,
           "%s: exit %d, found %s%s" % (cap, p.returncode, found,
                                        "" if same else " (differs across runs)"),
           err[-1500:])
tap.done()

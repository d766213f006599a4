"""Shared helpers for the optional cross-checks against ../shared captures.

They run only when the shared corpus sits beside the project (as in CI);
otherwise each check prints a TAP skip.
"""
import json
import os
import subprocess
import sys

SHARED = os.environ.get("SHARED_DIR") or os.path.join(
    os.environ.get("SRCDIR", "."), "..", "shared")
REAL = os.path.join(SHARED, "pcaps", "real")
# The suite's sanitizer build: each run costs several times more, so tests
# that repeat a run to show it deterministic do so in the normal build only.
SANITIZED = os.environ.get("SANITIZED") == "yes"
FLOWAUDIT = os.environ.get("FLOWAUDIT", "flowaudit")



def terminal_text(s):
    """A string as flowaudit's terminal filter shows it (flowaudit(1),
    "Unprintable and hidden characters"): C0 controls and DEL as \\xNN.
    CSV cells hold that text, so a line break never splits a record."""
    return "".join("\\x%02x" % ord(c) if ord(c) < 0x20 or ord(c) == 0x7f else c
                   for c in s)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print(("ok" if cond else "not ok"), self.n, "-", name)
        if not cond and diag:
            for line in str(diag).splitlines()[:30]:
                print("#  ", line)
        sys.stdout.flush()

    def skip_all(self, why):
        print("1..0 # SKIP", why)
        sys.exit(0)

    def skip_under_sanitizers(self):
        """A comparison with a peer tool gives the same answer in both
        builds: it runs in the normal one, and real_captures.py and
        real_audit.py take the same captures through the sanitizers."""
        if os.environ.get("SANITIZED") == "yes":
            self.skip_all("peer comparison runs in the normal build; "
                          "real_captures.py covers these captures under the sanitizers")

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def require_corpus(tap):
    if not os.path.isdir(REAL):
        tap.skip_all("%s not found (the shared corpus is optional)" % REAL)


def captures():
    """Every capture of the corpus, by path relative to pcaps/real."""
    out = []
    for sub in sorted(os.listdir(REAL)):
        d = os.path.join(REAL, sub)
        if not os.path.isdir(d) or sub == "zeek-baselines":
            continue
        for f in sorted(os.listdir(d)):
            out.append(os.path.join(sub, f))
    return out


def flows(path, *extra):
    """Runs flowaudit flows --format jsonl; returns (exit, records, stderr)."""
    p = subprocess.run([FLOWAUDIT, "flows", "--format", "jsonl", *extra, path],
                       capture_output=True, text=True)
    recs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p.returncode, recs, p.stderr


def have(tool):
    from shutil import which
    return which(tool) is not None

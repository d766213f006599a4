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


def tshark_view(path):
    """What tshark makes of a capture, from one run shared by the tshark
    cross-checks: (community ids of its packets, as a set; TCP and UDP
    conversation counts). A tshark run is half a second, most of it
    starting up, and two checks over 77 captures each ran their own; the
    first now leaves its output in the build tree ($BUILDDIR), keyed by
    the capture's and tshark's size and time, for the second."""
    from shutil import which
    import hashlib
    import tempfile
    tshark = which("tshark")
    cap_st, ts_st = os.stat(path), os.stat(tshark)
    key = hashlib.sha256(repr((os.path.abspath(path), cap_st.st_size, cap_st.st_mtime_ns,
                               ts_st.st_size, ts_st.st_mtime_ns)).encode()).hexdigest()
    cache_dir = os.path.join(os.environ["BUILDDIR"], "tests", "crosscheck", "tshark-cache") \
        if os.environ.get("BUILDDIR") else None
    cached = os.path.join(cache_dir, key) if cache_dir else None
    if cached and os.path.exists(cached):
        with open(cached) as f:
            text = f.read()
    else:
        text = subprocess.run([tshark, "--enable-protocol", "communityid", "-r", path,
                               "-T", "fields", "-e", "communityid",
                               "-z", "conv,tcp", "-z", "conv,udp"],
                              capture_output=True, text=True).stdout
        if cached:
            os.makedirs(cache_dir, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache_dir)
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.replace(tmp, cached)
    ids, counts, table, fields = set(), {"tcp": 0, "udp": 0}, None, True
    for line in text.splitlines():
        if line.startswith("====="):
            fields = False  # the statistics follow the packets' fields
        elif fields:
            ids.update(x for x in line.split(",") if x)
        elif line.endswith(" Conversations"):
            table = line.split()[0].lower()
        elif "<->" in line and table in counts:
            counts[table] += 1
    return ids, (counts["tcp"], counts["udp"])

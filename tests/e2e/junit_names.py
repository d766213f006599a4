"""JUnit test names do not change with the outcome.

CI systems key a test's history on (classname, name): a name that carries
the port seen, the domain controller that answered or the state would start
a new test whenever the network changes. For each site, the same rules are
audited over captures with different outcomes (observed, missing, blocked,
refused, several domain controllers, a rule that needs each port); every
run must yield the same set of (classname, name) in the rule suites, and
names must be unique within every suite. The JUnit files are read with
junitparser (python3-junitparser); skips when it is not installed.
"""
import os
import subprocess
import sys

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

try:
    import junitparser
except ImportError:
    # Debian's package installs for the system interpreter; the tests may
    # run under another python3 on PATH.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import junitparser
    except ImportError:
        junitparser = None

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
SITES = os.path.join(SRCDIR, "tests", "e2e", "sites")

# Suites whose cases are not rules: their names follow what the capture
# held (unexpected conversations, health notes) or the site (exceptions).
NOT_RULES = ("Unexpected traffic", "Capture health", "Site exceptions")

# site -> captures of different outcomes for it.
GROUPS = {
    "separate.json": ["healthy-separate", "missing-13667", "refused-13667", "demo",
                      "blocked-icmp", "blocked-noreply", "blocked-nxdomain",
                      "blocked-rst", "blocked-tls-alert", "lost-synack",
                      "midstream", "webaccess-redirect", "unexpected"],
    "dual-stack.json": ["dual-stack", "missing-13667"],
    "webaccess-ports.json": ["webaccess-redirect", "healthy-separate"],
    "combined.json": ["healthy-combined", "missing-13667"],
}


def outcome(case):
    """passed, failure, skipped: what a case says."""
    if not case.result:
        return "passed"
    return type(case.result[0]).__name__.lower()


def junit_cases(tap, site, capture):
    """{(suite, classname, name): outcome} of one run, and the duplicates."""
    path = os.path.join(FIXTURES, capture + ".pcap")
    p = subprocess.run([FLOWAUDIT, "audit", "-q", "--format", "junit", "--site",
                        os.path.join(SITES, site), path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in (0, 1, 3):
        tap.ok(False, "%s with %s: audit runs" % (capture, site), p.stderr.decode())
        return None, []
    xml = junitparser.JUnitXml.fromstring(p.stdout)
    cases, dups = {}, []
    for suite in xml:
        seen = set()
        for case in suite:
            key = (case.classname, case.name)
            if key in seen:
                dups.append("%s: %s" % (suite.name, key))
            seen.add(key)
            cases[(suite.name,) + key] = outcome(case)
    return cases, dups


def rule_names(cases):
    return {k[1:] for k in cases if k[0] not in NOT_RULES}


def main():
    tap = Tap()
    if junitparser is None:
        tap.skip_all("python3-junitparser is not installed")
    for site, captures in sorted(GROUPS.items()):
        runs = {}
        for capture in captures:
            cases, dups = junit_cases(tap, site, capture)
            if cases is None:
                continue
            runs[capture] = cases
            tap.ok(not dups, "%s with %s: names are unique within each suite" %
                   (capture, site), "\n".join(dups))
        if len(runs) < 2:
            continue
        first = captures[0]
        want = rule_names(runs[first])
        outcomes = {tuple(sorted((k, v) for k, v in c.items() if k[0] not in NOT_RULES))
                    for c in runs.values()}
        tap.ok(len(outcomes) > 1, "%s: the captures differ in outcome (%d different)" %
               (site, len(outcomes)))
        for capture, cases in runs.items():
            if capture == first:
                continue
            got = rule_names(cases)
            diff = ["only with %s: %s" % (first, n) for n in sorted(want - got)] + \
                   ["only with %s: %s" % (capture, n) for n in sorted(got - want)]
            tap.ok(got == want, "%s: %s and %s give the same (classname, name) set "
                   "(%d cases)" % (site, first, capture, len(want)), "\n".join(diff))
        # The unexpected conversations are named by who talked to whom on
        # what: never by a state or a count.
        for capture, cases in runs.items():
            names = [k[2] for k in cases if k[0] == "Unexpected traffic"]
            bad = [n for n in names if "(" in n or "flows" in n]
            tap.ok(not bad, "%s with %s: unexpected cases are named by their "
                   "conversation" % (capture, site), "\n".join(bad))
    tap.done()


main()

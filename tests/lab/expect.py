#!/usr/bin/env python3
"""expect.py - what tests/lab/lab.sh expects of a JSON report of its lab.

  expect.py CHECK REPORT.json

prints what it found and exits 0 when CHECK holds, 1 when not:
  required     every required rule-host pair of tests/lab/site.json observed
  undocumented the lab's undocumented attempts, and only they, unexpected
               and failed (no reply: the firewall dropped them)
  clean        nothing missing, blocked or inconclusive; no capture health
               note
  broken       exactly three blocked findings, one per break, each with its
               cause (SYN unanswered, RST, ICMP admin-prohibited); no
               capture health note
  one-sided    capture health notes a one-sided capture; nothing blocked or
               missing; inconclusive only where the reply was not visible
  diff         a `flowaudit diff --format json` of runs 1 and 2: exactly
               the three breaks' findings turned blocked, with their causes
  findings     prints every finding but the observed ones (for the log)
"""
import json
import sys

# The required pairs the lab's site yields (flowaudit check --site).
REQUIRED = {
    ("mobile-license", "10.1.0.20"), ("speechlive-license", "10.1.0.21"),
    ("webaccess-license", "10.1.0.22"), ("mobile-inbound", "10.1.0.20"),
    ("speechlive-cloud", "10.1.0.21"), ("speechlive-sql", "10.1.0.21"),
    ("webaccess-inbound", "10.1.0.22"),
}
for host, addr in (("mobile", "10.1.0.20"), ("speechlive", "10.1.0.21"),
                   ("webaccess", "10.1.0.22")):
    for rule in ("ad-auth", "ad-directory", "seeroot", "dictations"):
        REQUIRED.add(("%s-%s" % (host, rule), addr))

# Client, server, port of each undocumented attempt the lab makes.
UNDOCUMENTED = {
    ("10.1.0.22", "10.3.0.10", 23),     # telnet to the License Server
    ("10.1.0.21", "203.0.113.22", 443),  # SSH on 443 to the internet
    ("10.1.0.50", "10.3.0.10", 445),    # SMB from a workstation
}

BREAKS = {
    "speechlive-license": "syn-unanswered",
    "speechlive-sql": "rejected",
    "speechlive-cloud": "icmp-prohibited",
}


def pair_host(f):
    """The address a rule finding is judged on (client, or the server of
    an inbound rule)."""
    if f["rule"] in ("mobile-inbound", "webaccess-inbound"):
        return f["server"]["ip"] or (f["server"].get("expected") or [None])[0]
    return f["client"]["ip"]


def line(f):
    return "%s %s %s %s -> %s:%s: %s" % (
        f["kind"], f["cause"], f["rule"] or "-", f["client"]["ip"],
        f["server"]["ip"], f["server"]["port"], f["reason"])


def check_required(d):
    seen = {}
    for f in d["findings"]:
        if f["need"] == "required" and f["rule"]:
            seen.setdefault((f["rule"], pair_host(f)), []).append(f["kind"])
    ok = True
    for pair in sorted(REQUIRED):
        kinds = seen.get(pair, ["no finding"])
        print("%s on %s: %s" % (pair[0], pair[1], ", ".join(kinds)))
        ok = ok and kinds == ["observed"]
    return ok


def check_undocumented(d):
    got = set()
    ok = True
    for f in d["findings"]:
        if f["kind"] != "unexpected":
            continue
        key = (f["client"]["ip"], f["server"]["ip"], f["server"]["port"])
        got.add(key)
        failed = f["state"] == "S0" and f["successes"] == 0
        print("%s (%s)" % (line(f), "failed" if failed else "NOT failed"))
        ok = ok and failed
    for key in sorted(UNDOCUMENTED - got):
        print("no unexpected finding for %s -> %s:%s" % key)
    return ok and got == UNDOCUMENTED


def counts(d):
    s = d["summary"]
    print("missing %d, blocked %d, inconclusive %d, unexpected %d, observed %d"
          % (s["missing"], s["blocked"], s["inconclusive"], s["unexpected"],
             s["observed"]))
    return s


def health_notes(d):
    h = d["capture_health"]
    notes = [n["code"] for n in h["notes"]]
    print("capture health: %d TCP flows, %d one-sided; notes: %s"
          % (h["tcp_flows"], h["one_sided_flows"], ", ".join(notes) or "none"))
    return notes


def check_clean(d):
    s = counts(d)
    notes = health_notes(d)
    return (s["missing"] == 0 and s["blocked"] == 0 and s["inconclusive"] == 0
            and not notes)


def check_broken(d):
    counts(d)
    # The dropped SYNs are one-sided because nobody answered: no word
    # against the mirror.
    notes = health_notes(d)
    got = {}
    for f in d["findings"]:
        if f["kind"] == "blocked":
            print(line(f))
            got[f["rule"]] = (f["cause"], f["client"]["ip"])
    want = {rule: (cause, "10.1.0.21") for rule, cause in BREAKS.items()}
    return got == want and not notes


def check_one_sided(d):
    notes = health_notes(d)
    s = counts(d)
    # What the capture cannot tell is inconclusive, never blocked: a UDP
    # query whose answer went the unmirrored way.
    unsure = [f for f in d["findings"] if f["kind"] == "inconclusive"]
    for f in unsure:
        print(line(f))
    return ("one-sided-capture" in notes and s["blocked"] == 0
            and s["missing"] == 0
            and all(f["cause"] == "reply-not-visible" for f in unsure))


def check_diff(d):
    """A flowaudit-diff/1 report of runs 1 and 2: the findings that became
    blocked (new, or changed from observed) are the three breaks."""
    got = {}
    for change in ("new", "changed"):
        for item in d["findings"][change]:
            now = item["new"] or {}
            was = (item["old"] or {}).get("kind", "none")
            print("%s: %s (%s) %s -> %s %s" % (change, item["name"], item["rule"],
                                               was, now.get("kind"), now.get("cause")))
            if now.get("kind") == "blocked":
                got[item["rule"]] = now["cause"]
    print("summary: %s" % json.dumps(d["summary"], sort_keys=True))
    return got == BREAKS and d["summary"]["verdict"] == "fail"


def show(d):
    counts(d)
    for f in d["findings"]:
        if f["kind"] != "observed":
            print(line(f))
    return True


CHECKS = {
    "required": check_required, "undocumented": check_undocumented,
    "clean": check_clean, "broken": check_broken,
    "one-sided": check_one_sided, "diff": check_diff, "findings": show,
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in CHECKS:
        sys.stderr.write(__doc__)
        return 2
    try:
        with open(sys.argv[2]) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        print("%s: %s" % (sys.argv[2], e))
        return 1
    return 0 if CHECKS[sys.argv[1]](d) else 1


if __name__ == "__main__":
    sys.exit(main())

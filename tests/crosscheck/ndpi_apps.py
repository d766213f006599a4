#!/usr/bin/env python3
"""Per-flow application agrees with ndpiReader (the same nDPI 4.2) for at
least 95% of the flows ndpiReader classifies, over every capture of
../shared/pcaps/real it reads. With -v, lists every disagreement."""
import collections
import ipaddress
import os
import re
import subprocess
import sys

from common import REAL, Tap, captures, flows, have, require_corpus

LINE = re.compile(r"^\s+\d+\s+(\S+)\s+(\S+)\s+<->\s+(\S+)\s+\[proto: [0-9.]+/([^\]]+)\]")


def endpoint(text):
    """'1.2.3.4:80' or '[2001:db8::1]:80' -> (address, port)."""
    if text.startswith("["):
        addr, port = text[1:].rsplit("]:", 1)
    elif text.count(":") > 1:          # ndpiReader writes IPv6 without brackets
        addr, port = text.rsplit(":", 1)
    else:
        addr, port = text.rsplit(":", 1)
    # Both sides' IPv6 text goes through one formatter (ndpiReader
    # shortens a single zero group to "::", RFC 5952 does not).
    return str(ipaddress.ip_address(addr)), int(port)


def ndpi_flows(path):
    p = subprocess.run(["ndpiReader", "-i", path, "-v", "2", "-q"],
                       capture_output=True, text=True, errors="replace")
    out = {}
    for line in p.stdout.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        proto, a, b, app = m.groups()
        if proto not in ("TCP", "UDP"):
            continue                   # ICMP ids are keyed differently
        key = (proto.lower(), frozenset([endpoint(a), endpoint(b)]))
        out.setdefault(key, []).append(app)
    return out


def our_label(r):
    app = r.get("app", "Unknown")
    master = r.get("master_app")
    return "%s.%s" % (master, app) if master else app


def main():
    tap = Tap()
    require_corpus(tap)
    if not have("ndpiReader"):
        tap.skip_all("ndpiReader (libndpi-bin) is not installed")
    verbose = "-v" in sys.argv
    agree = total = 0
    classes = collections.Counter()
    for cap in captures():
        path = os.path.join(REAL, cap)
        theirs = ndpi_flows(path)
        if not theirs:
            continue
        _, recs, _ = flows(path)
        ours = collections.defaultdict(list)
        for r in recs:
            proto = {"tcp": "tcp", "udp": "udp"}.get(r["proto"])
            if not proto:
                continue
            key = (proto, frozenset([
                (str(ipaddress.ip_address(r["id.orig_h"])), r["id.orig_p"]),
                (str(ipaddress.ip_address(r["id.resp_h"])), r["id.resp_p"])]))
            ours[key].append(our_label(r))
        cap_agree = cap_total = 0
        for key, apps in theirs.items():
            for app in apps:
                if app == "Unknown":
                    continue
                cap_total += 1
                mine = ours.get(key, [])
                if app in mine:
                    cap_agree += 1
                else:
                    classes[(app, ",".join(sorted(set(mine))) or "(no flow)")] += 1
                    if verbose:
                        print("#  %s %s: ndpiReader %s, flowaudit %s" %
                              (cap, sorted(key[1]), app, mine or "(no flow)"))
        agree += cap_agree
        total += cap_total
    share = 100.0 * agree / total if total else 100.0
    tap.ok(share >= 95.0, "application agrees with ndpiReader for %d of %d "
           "classified flows (%.1f%%)" % (agree, total, share))
    for (theirs, mine), n in classes.most_common():
        print("#  %4d flows: ndpiReader %s, flowaudit %s" % (n, theirs, mine))
    tap.done()


main()

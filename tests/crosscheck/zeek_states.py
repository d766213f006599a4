#!/usr/bin/env python3
"""conn_state, history and packet counts equal Zeek's own results for every
flow in ../shared/pcaps/real/zeek-baselines (states.tsv, states-partial.tsv).
Our default (checksums not validated) is compared with Zeek's -C baselines,
as the README there advises."""
import csv
import os

from common import REAL, Tap, flows, require_corpus

tap = Tap()
require_corpus(tap)
base = os.path.join(REAL, "zeek-baselines")
cache = {}


def find(recs, proto, oh, op, rh, rp):
    for r in recs:
        if r["proto"] != proto:
            continue
        fwd = (r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"])
        if fwd == (oh, op, rh, rp):
            return r
    return None


for name in ("states.tsv", "states-partial.tsv"):
    with open(os.path.join(base, name)) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            trace = row["trace"]
            if trace not in cache:
                cache[trace] = flows(os.path.join(REAL, trace))[1]
            r = find(cache[trace], row["proto"], row["orig_h"], int(row["orig_p"]),
                     row["resp_h"], int(row["resp_p"]))
            label = "%s %s %s:%s -> %s:%s" % (trace, row["proto"], row["orig_h"],
                                              row["orig_p"], row["resp_h"], row["resp_p"])
            if r is None:
                tap.ok(False, label + ": flow found", cache[trace])
                continue
            if row["conn_state"] != "-":
                tap.ok(r["conn_state"] == row["conn_state"], label + ": conn_state " +
                       row["conn_state"], "got %s" % r["conn_state"])
            want_hist = row["history"]
            got_hist = r.get("history", "-") or "-"
            tap.ok(got_hist == want_hist, label + ": history " + want_hist,
                   "got %s" % got_hist)
            for side in ("orig_pkts", "resp_pkts"):
                if row[side] != "-":
                    tap.ok(r[side] == int(row[side]), label + ": %s %s" % (side, row[side]),
                           "got %s" % r[side])
tap.done()

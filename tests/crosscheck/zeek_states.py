#!/usr/bin/env python3
"""conn_state, history and packet counts equal Zeek's own results for every
flow in ../shared/pcaps/real/zeek-baselines (states.tsv, states-partial.tsv),
and missed_bytes (content gaps) equals the conn.log baselines' own column.
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

def conn_log_rows(path):
    """Records of a Zeek ASCII conn.log as dicts, by its #fields line."""
    fields = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#fields"):
                fields = line.split("\t")[1:]
            elif fields and line and not line.startswith("#"):
                yield dict(zip(fields, line.split("\t")))


for name in sorted(os.listdir(base)):
    if not name.endswith(".conn.log"):
        continue
    trace = os.path.join("zeek", name[:-len(".conn.log")])
    if trace not in cache:
        cache[trace] = flows(os.path.join(REAL, trace))[1]
    for row in conn_log_rows(os.path.join(base, name)):
        if row.get("missed_bytes", "-") == "-":
            continue
        r = find(cache[trace], row["proto"], row["id.orig_h"], int(row["id.orig_p"]),
                 row["id.resp_h"], int(row["id.resp_p"]))
        label = "%s %s %s:%s -> %s:%s: missed_bytes %s" % (
            trace, row["proto"], row["id.orig_h"], row["id.orig_p"],
            row["id.resp_h"], row["id.resp_p"], row["missed_bytes"])
        if r is None:
            tap.ok(False, label, "flow not found")
            continue
        tap.ok(r.get("missed_bytes") == int(row["missed_bytes"]), label,
               "got %s" % r.get("missed_bytes"))
tap.done()

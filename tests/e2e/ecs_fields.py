"""Every event line against the Elastic Common Schema's own field list.

Event lines are made every way flowaudit makes them - `audit --format
events` (every finding kind, site exceptions, capture health), `audit
--events`, `audit --flow-events`, `flows --format events` and `watch
--events` - from every fixture with the plain site, IPv6 and dual-stack
fixtures with their sites, and a few with the test GeoIP/ASN databases.
Every leaf field path of every line must be either

- a field of ECS 8.11.0 (tests/data/ecs/fields-8.11.0.csv, ECS's published
  flat list) whose type the JSON value fits: keyword-like fields are
  strings, long is an integer, ip an address, date an ISO 8601 time,
  boolean true/false; or
- under `flowaudit.*`, with one JSON type per path across all lines (what
  a dynamic mapping needs).

event.kind, event.category, event.type and event.outcome must be among
ECS's allowed values, and each event.type one ECS expects with the
event.category (tests/data/ecs/allowed-values-8.11.0.json, taken from the
same tag's generated/ecs/ecs_flat.yml); ecs.version must be the version of
the list. Coverage is asserted too: every finding kind, flows
with geo and AS, IPv6 and names, so a fixture change cannot make the check
vacuous. The figure of distinct paths checked is printed.
"""
import csv
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
SITES = os.path.join(SRCDIR, "tests", "e2e", "sites")
ECS_DIR = os.path.join(SRCDIR, "tests", "data", "ecs")
ECS_VERSION = "8.11.0"

KEYWORD_LIKE = {"keyword", "constant_keyword", "wildcard", "match_only_text", "text"}
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")

# Fixtures with sites of their own (the rest run with separate.json).
SITE_OF = {
    "ipv6-site.pcap": "ipv6.json",
    "dual-stack.pcap": "dual-stack.json",
    "dedicated-sql.pcap": "dedicated-sql.json",
    "custom-license-port.pcap": "custom-port.json",
    "speechlive-off.pcap": "speechlive-off.json",
    "port-range-edges.pcap": "port-range-allow.json",
    "healthy-combined.pcap": "combined.json",
    "webaccess-redirect.pcap": "webaccess-ports.json",
}
# Fixtures whose flows leave the site: with the test databases they get
# geo and AS fields.
GEO_FIXTURES = ["demo.pcap", "dns-cname-tls.pcap", "sni-script.pcap", "unexpected.pcap",
                "healthy-separate.pcap", "ipv6-site.pcap", "dual-stack.pcap"]


def load_ecs():
    fields = {}
    with open(os.path.join(ECS_DIR, "fields-%s.csv" % ECS_VERSION), newline="") as f:
        for row in csv.DictReader(f):
            fields[row["Field"]] = (row["Type"], row["ECS_Version"])
    with open(os.path.join(ECS_DIR, "allowed-values-%s.json" % ECS_VERSION)) as f:
        allowed = json.load(f)
    return fields, allowed


def leaves(obj, prefix=""):
    """(path, value) of every leaf; an array of scalars is one field (ECS
    fields may hold arrays), an array of objects is flattened element by
    element."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, prefix + "." + k if prefix else k)
    elif isinstance(obj, list):
        for v in obj:
            if isinstance(v, (dict, list)):
                yield from leaves(v, prefix)
            else:
                yield prefix, v
    else:
        yield prefix, obj


def fits(ecs_type, value):
    """Whether a JSON value fits an ECS field type without coercion."""
    if ecs_type in KEYWORD_LIKE:
        return isinstance(value, str)
    if ecs_type == "long":
        return isinstance(value, int) and not isinstance(value, bool)
    if ecs_type in ("float", "scaled_float", "half_float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if ecs_type == "boolean":
        return isinstance(value, bool)
    if ecs_type == "ip":
        try:
            ipaddress.ip_address(value)
            return True
        except (ValueError, TypeError):
            return False
    if ecs_type == "date":
        return isinstance(value, str) and DATE_RE.match(value) is not None
    return False  # object, nested, flattened, geo_point: not as a scalar


def json_type(v):
    return "bool" if isinstance(v, bool) else type(v).__name__


class Checker:
    def __init__(self, tap, fields, allowed):
        self.tap, self.fields, self.allowed = tap, fields, allowed
        self.ecs_paths, self.own_paths = set(), {}
        self.problems = {}  # what is wrong -> (first place, how often)
        self.lines = 0
        self.seen = set()  # coverage facts

    def problem(self, where, text):
        """One entry per kind of fault (the same field wrong on a thousand
        lines is one fault), with its first place and count."""
        first, n = self.problems.get(text, (where, 0))
        self.problems[text] = (first, n + 1)

    def check_line(self, where, line):
        try:
            ev = json.loads(line)
        except ValueError as e:
            self.problem(where, "not JSON: %s" % e)
            return
        self.lines += 1
        for path, value in leaves(ev):
            if path == "flowaudit" or path.startswith("flowaudit."):
                kinds = self.own_paths.setdefault(path, set())
                kinds.add(json_type(value))
                if len(kinds) > 1:
                    self.problem(where, "%s has values of types %s" % (path, sorted(kinds)))
                continue
            if path not in self.fields:
                self.problem(where, "%s is not an ECS %s field (nor under flowaudit.*)"
                             % (path, ECS_VERSION))
                continue
            ecs_type = self.fields[path][0]
            if not fits(ecs_type, value):
                self.problem(where, "%s is ECS type %s, the line has %s"
                             % (path, ecs_type, json_type(value)))
                continue
            self.ecs_paths.add(path)
            if path in self.allowed and value not in self.allowed[path]:
                self.problem(where, "%s = %r is not among ECS's allowed values"
                             % (path, value))
        event = ev.get("event", {})
        for category in event.get("category", []):
            expected = self.allowed["expected_event_types"].get(category, [])
            for t in event.get("type", []):
                if t not in expected:
                    self.problem(where, "event.type %r is not one ECS expects with "
                                 "event.category %r" % (t, category))
        if ev.get("ecs", {}).get("version") != ECS_VERSION:
            self.problem(where, "ecs.version is %r" % ev.get("ecs", {}).get("version"))
        for required in ("@timestamp", "message", "event"):
            if required not in ev and not (required == "message" and
                                           ev.get("event", {}).get("kind") == "event"):
                self.problem(where, "no %s" % required)
        self.note_coverage(ev)

    def note_coverage(self, ev):
        fa = ev.get("flowaudit", {})
        if "finding" in fa:
            self.seen.add("finding:" + fa["finding"])
        self.seen.add("action:" + ev.get("event", {}).get("action", ""))
        self.seen.add("dataset:" + ev.get("event", {}).get("dataset", ""))
        if "vlan" in ev.get("network", {}):
            self.seen.add("vlan")
        for side in ("source", "destination"):
            s = ev.get(side, {})
            if "geo" in s:
                self.seen.add("geo")
            if "as" in s:
                self.seen.add("as")
            if "domain" in s:
                self.seen.add("domain")
            if ":" in s.get("ip", ""):
                self.seen.add("ipv6")

    def run(self, name, args, events_path=None, ok_codes=(0, 1, 3)):
        p = subprocess.run([FLOWAUDIT] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if p.returncode not in ok_codes:
            self.problem(name, "exit %d: %s" % (p.returncode,
                                                p.stderr.decode(errors="replace")[:300]))
            return 0
        data = p.stdout if events_path is None else open(events_path, "rb").read()
        n = 0
        for i, line in enumerate(data.decode().splitlines(), 1):
            if line:
                self.check_line("%s line %d" % (name, i), line)
                n += 1
        return n


def controls(tap, fields, allowed, sample):
    """Each mutation of a real line must be caught, for the reason made."""
    cases = [
        ("a field ECS does not have", lambda e: e["source"].update(colour="red"),
         "source.colour is not an ECS"),
        ("a long as a string", lambda e: e["destination"].update(port="443"),
         "destination.port is ECS type long"),
        ("a keyword as a number", lambda e: e["network"].update(iana_number=6),
         "network.iana_number is ECS type keyword"),
        ("an ip that is none", lambda e: e["destination"].update(ip="10.0.0.300"),
         "destination.ip is ECS type ip"),
        ("a date that is none", lambda e: e.update({"@timestamp": "yesterday"}),
         "@timestamp is ECS type date"),
        ("an event.kind ECS does not allow", lambda e: e["event"].update(kind="finding"),
         "event.kind = 'finding'"),
        ("an event.type the category does not expect",
         lambda e: e["event"].update(type=["creation"]), "event.type 'creation'"),
        ("another ecs.version", lambda e: e["ecs"].update(version="1.0.0"),
         "ecs.version"),
    ]
    for name, mutate, text in cases:
        ev = json.loads(sample)
        mutate(ev)
        c = Checker(tap, fields, allowed)
        c.check_line("control", json.dumps(ev))
        tap.ok(any(text in p for p in c.problems), "control: %s is caught" % name,
               "\n".join(c.problems) or "no problem found")


def fixtures():
    return sorted(f for f in os.listdir(FIXTURES) if f.endswith((".pcap", ".pcapng")))


def site_for(capture):
    return os.path.join(SITES, SITE_OF.get(capture, "separate.json"))


def make_mmdb(work):
    """The test GeoIP and ASN databases, or None without the Perl writer."""
    p = subprocess.run(["perl", os.path.join(SRCDIR, "tests", "data", "make-test-mmdb.pl"),
                        work], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return None
    return ["--geoip", os.path.join(work, "test-country.mmdb"),
            "--asn", os.path.join(work, "test-asn.mmdb")]


def main():
    if os.environ.get("SANITIZED") == "yes":
        # The fields are the same in both builds; under ASan the 200-odd
        # runs cost a minute and a half, and the event writers already run
        # under the sanitizers in golden.sh (the events cases) and
        # report_formats.py.
        print("1..0 # SKIP field names are checked in the normal build's suite")
        return 0
    tap = Tap()
    fields, allowed = load_ecs()
    tap.ok(len(fields) > 1000 and all(v == ECS_VERSION for _, v in fields.values()),
           "ECS %s field list read (%d fields)" % (ECS_VERSION, len(fields)))
    c = Checker(tap, fields, allowed)
    work = tempfile.mkdtemp(prefix="flowaudit-ecs-")
    try:
        geo = make_mmdb(work)
        per_kind = {}
        sample = subprocess.run([FLOWAUDIT, "flows", "-q", "--format", "events",
                                 os.path.join(FIXTURES, "demo.pcap")],
                                stdout=subprocess.PIPE).stdout.decode().splitlines()[0]
        controls(tap, fields, allowed, sample)
        for cap in fixtures():
            path = os.path.join(FIXTURES, cap)
            site = site_for(cap)
            n = c.run("audit events %s" % cap, ["audit", "-q", "--site", site,
                                                 "--format", "events", path],
                      ok_codes=(0, 1, 2, 3) if cap.startswith("hostile") else (0, 1, 3))
            per_kind[cap] = n
            c.run("flows events %s" % cap, ["flows", "-q", "--format", "events", path],
                  ok_codes=(0, 1, 2) if cap.startswith("hostile") else (0,))
        # --events FILE, --flow-events and watch --events on a few.
        for cap in ["demo.pcap", "unexpected.pcap", "ipv6-site.pcap", "blocked-rst.pcap",
                    "dual-stack.pcap"]:
            path = os.path.join(FIXTURES, cap)
            ev, fev = os.path.join(work, cap + ".ev"), os.path.join(work, cap + ".fev")
            c.run("audit --events %s" % cap, ["audit", "-q", "--site", site_for(cap),
                                               "--format", "json", "-o",
                                               os.path.join(work, "r.json"),
                                               "--events", ev, path], events_path=ev)
            c.run("audit --flow-events %s" % cap,
                  ["audit", "-q", "--site", site_for(cap), "--format", "json",
                   "-o", os.path.join(work, "r.json"), "--flow-events", fev, path],
                  events_path=fev)
            rd = os.path.join(work, cap + ".reports")
            os.mkdir(rd)
            wev = os.path.join(work, cap + ".wev")
            c.run("watch --events %s" % cap,
                  ["watch", "-q", "--site", site_for(cap), "--window", "1d",
                   "--report-dir", rd, "--format", "json", "--events", wev, path],
                  events_path=wev)
        if geo:
            for cap in GEO_FIXTURES:
                path = os.path.join(FIXTURES, cap)
                c.run("audit events geo %s" % cap, ["audit", "-q", "--site", site_for(cap),
                                                     "--format", "events", path] + geo)
                c.run("flows events geo %s" % cap,
                      ["flows", "-q", "--format", "events", path] + geo)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    tap.ok(not c.problems, "every field of %d event lines is ECS %s with a fitting type "
           "or under flowaudit.*" % (c.lines, ECS_VERSION),
           "\n".join("%s (%d times; first: %s)" % (text, n, where)
                     for text, (where, n) in sorted(c.problems.items())))
    for kind in ("missing", "blocked", "unexpected", "inconclusive", "observed"):
        tap.ok("finding:" + kind in c.seen, "coverage: a %s finding was checked" % kind)
    for action in ("site-exception", "capture-health", "flow-end", "flow-unexpected"):
        tap.ok("action:" + action in c.seen, "coverage: a %s event was checked" % action)
    for fact in ("ipv6", "domain", "vlan") + (("geo", "as") if geo else ()):
        tap.ok(fact in c.seen, "coverage: events with %s were checked" % fact)
    if not geo:
        print("# geo and AS fields not covered: libmaxmind-db-writer-perl missing")
    total = len(c.ecs_paths) + len(c.own_paths)
    print("# checked %d distinct field paths: %d ECS %s fields, %d under flowaudit.*"
          % (total, len(c.ecs_paths), ECS_VERSION, len(c.own_paths)))
    tap.ok(total > 0, "%d distinct field paths checked" % total)
    tap.done()


main()

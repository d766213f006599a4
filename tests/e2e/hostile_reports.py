"""Hostile text in every audit report format, read back by a real parser.

One `flowaudit audit` run over hostile-audit-names.pcap (TLS server names
with commas, quotes, line breaks, markup, an entity and a formula, one
internet host each) with tests/e2e/sites/hostile-text.json (a site name and
an exception reason with the same), from an input file whose own name is
hostile, writes JSON, CSV, HTML, JUnit, event lines and text. The JSON
report is the reference: each other format, parsed by Python's own csv,
html.parser and xml.etree (no browser, no xmllint needed), must give back
the very same strings, and nothing in them may turn into structure (a
tag, an attribute, a CSV cell or row, an XML element, a text line).
Negative controls feed the checks a report with a name left unescaped.
"""
import csv
import html
import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap, terminal_text  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
SITE = os.path.join(SRCDIR, "tests", "e2e", "sites", "hostile-text.json")
CAPTURE = os.path.join(FIXTURES, "hostile-audit-names.pcap")
# The input's file name: markup, quotes, an ampersand and a comma.
INPUT_NAME = "in<b>put\"&'name,1.pcap"

# What the HTML report is made of; anything else is markup that escaped.
HTML_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "footer",
             "section", "thead", "tbody", "wbr",
             "h1", "h2", "p", "span", "table", "tr", "th", "td", "code", "strong",
             "em", "br", "ul", "li", "svg", "defs", "marker", "g", "rect", "text",
             "path", "line"}
HTML_ATTRS = {"lang", "charset", "http-equiv", "content", "name", "class", "id",
              "colspan", "data-rule", "data-code", "xmlns", "viewbox", "width",
              "height", "role", "aria-label", "x", "y", "x1", "y1", "x2", "y2", "rx",
              "d", "fill", "stroke", "stroke-width", "stroke-opacity",
              "stroke-dasharray", "marker-end", "font-size", "text-anchor",
              "orient", "markerwidth", "markerheight", "refx", "refy", "viewBox",
              "data-from", "data-to", "data-status", "data-role", "font-weight"}


def formula_safe(text):
    """A CSV cell's text as the report writes one that a spreadsheet would
    run: a leading quote keeps it text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


class Page(html.parser.HTMLParser):
    """Tags, attributes and the text of each element, as a parser sees
    them (entities decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.tags = []          # (tag, attrs) in order
        self.texts = []         # (tag, attrs, text) per element, own text only
        self.errors = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag in ("br", "meta", "wbr"):
            return  # void elements: no end tag
        self.stack.append([tag, dict(attrs), []])

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append("</%s> closes <%s>" %
                               (tag, self.stack[-1][0] if self.stack else "nothing"))
            while self.stack and self.stack[-1][0] != tag:
                self.stack.pop()
            if not self.stack:
                return
        t, a, text = self.stack.pop()
        self.texts.append((t, a, "".join(text)))

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

    def own_texts(self, tag, cls=None):
        return [text for t, a, text in self.texts
                if t == tag and (cls is None or cls in a.get("class", "").split())]


def check_html(tap, text, report, label="HTML"):
    page = Page()
    page.feed(text)
    page.close()
    strange = sorted({t for t, _ in page.tags if t not in HTML_TAGS})
    tap.ok(not strange, "%s: only the report's own elements (no injected tag)" % label,
           "unknown elements: %r" % strange)
    attrs = sorted({n for _, a in page.tags for n, _ in a
                    if n.lower() not in {x.lower() for x in HTML_ATTRS}})
    handlers = [n for _, a in page.tags for n, _ in a if n.lower().startswith("on")]
    tap.ok(not attrs and not handlers,
           "%s: only the report's own attributes (no injected attribute, no on*)" % label,
           "unknown attributes: %r" % attrs)
    tap.ok(not page.errors, "%s: every element closes where it opened" % label,
           "; ".join(page.errors[:5]))
    site = report["site"]["name"]
    tap.ok(page.own_texts("title") and page.own_texts("title")[0].startswith(
        "Flow audit: " + site + " ("),
           "%s: the title holds the site's name exactly" % label,
           "title %r" % page.own_texts("title")[:1])
    tap.ok(any(h == "Flow audit: " + site for h in page.own_texts("h1")),
           "%s: the heading holds the site's name exactly" % label,
           "h1 %r" % page.own_texts("h1"))
    codes = page.own_texts("code")
    hosts = [x["server"]["host"] for x in report["findings"]
             if x["kind"] == "unexpected" and x["server"].get("host")]
    lost = [h for h in hosts if codes.count(h) < 2]
    tap.ok(hosts and not lost,
           "%s: each hostile server name is the whole text of its <code> in the "
           "unexpected table and the external endpoints (%d)" % (label, len(hosts)),
           "not found whole twice: %r" % lost)
    reasons = page.own_texts("td", "reason")
    lost = [x["reason"] for x in report["findings"] if x["kind"] == "unexpected"
            and not any(r == x["reason"] for r in reasons)]
    tap.ok(not lost, "%s: each unexpected finding's reason is its cell's text exactly"
           % label, "not found: %r" % lost[:3])
    cells = page.own_texts("td")
    lost = [e["why"] for e in report["exceptions"] if e["why"] not in cells]
    tap.ok(report["exceptions"] and not lost,
           "%s: the exception's reason is its cell's text exactly" % label,
           "not found: %r" % lost)
    tap.ok(any(c.endswith(INPUT_NAME) for c in codes),
           "%s: the input's hostile file name is the text of its <code>" % label)
    # The diagram aggregates unexpected conversations per pair of boxes:
    # its labels count every one of them.
    counts = page.own_texts("text", "count")
    drawn = sum(int(m.group(1).replace(",", "")) for c in counts
                for m in [re.match(r"([\d,]+) conversations?,", c)] if m)
    want = sum(1 for x in report["findings"] if x["kind"] == "unexpected")
    tap.ok(want and drawn == want,
           "%s: the diagram's labels count every unexpected conversation (%d)"
           % (label, want), "labels %r" % counts)


def check_csv(tap, data, report, label="CSV"):
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""),
                                   strict=True))
        error = ""
    except csv.Error as e:
        rows, error = [], str(e)
    findings = report["findings"]
    notes = report["capture_health"]["notes"]
    want = len(findings) + len(report["exceptions"]) + len(notes)
    tap.ok(not error and len(rows) == want and
           all(None not in r and len(r) == len(rows[0]) for r in rows),
           "%s: parses strictly, one row of the header's width per finding, "
           "exception and note (%d)" % (label, want),
           error or "%d rows; a row with extra cells: %r" %
           (len(rows), [r for r in rows if None in r][:1]))
    pairs = list(zip(rows, findings))
    hosts = [(r["server_host"], formula_safe(x["server"].get("host") or ""))
             for r, x in pairs if x["kind"] == "unexpected"]
    tap.ok(hosts and all(a == b for a, b in hosts),
           "%s: each server_host cell is the finding's server name exactly" % label,
           "\n".join("%r != %r" % p for p in hosts if p[0] != p[1]))
    bad = [(r["reason"], x["reason"]) for r, x in pairs if r["reason"] != x["reason"]]
    tap.ok(not bad, "%s: each reason cell is the finding's reason exactly" % label,
           "\n".join("%r != %r" % p for p in bad[:3]))
    exc = [r for r in rows if r["kind"] == "exception"]
    tap.ok(len(exc) == len(report["exceptions"]) and
           all(r["reason"] == terminal_text(e["why"])
               for r, e in zip(exc, report["exceptions"])),
           "%s: the exception's reason cell is its why, the line break shown as \\x0a"
           % label,
           repr([r["reason"] for r in exc]))
    ends = data.split(b"\r\n")
    tap.ok(data.endswith(b"\r\n") and
           not any(b"\n" in line or b"\r" in line for line in ends[:-1]),
           "%s: records end in CRLF; no line break inside a cell" % label)


def check_junit(tap, data, report, label="JUnit"):
    try:
        root = ET.fromstring(data)
        error = ""
    except ET.ParseError as e:
        root, error = None, str(e)
    tap.ok(root is not None, "%s: a well-formed XML document" % label, error)
    if root is None:
        return
    tap.ok(root.get("name") == "flowaudit: " + report["site"]["name"],
           "%s: testsuites' name attribute is the site's name exactly, line break "
           "and all" % label, "%r" % root.get("name"))
    cases = root.findall("./testsuite[@name='Unexpected traffic']/testcase")
    unexpected = [x for x in report["findings"] if x["kind"] == "unexpected"]
    tap.ok(len(cases) == len(unexpected) and
           all(len(c) == 1 and c[0].tag == "failure" for c in cases),
           "%s: one testcase per unexpected finding, each holding just its "
           "failure (%d)" % (label, len(unexpected)))
    bad = [(c.find("failure").get("message"), x["reason"]) for c, x in zip(cases, unexpected)
           if c.find("failure") is None or c.find("failure").get("message") != x["reason"]]
    tap.ok(not bad, "%s: each failure's message attribute is the reason exactly" % label,
           "\n".join("%r != %r" % p for p in bad[:3]))
    # Named by the conversation (client, server, protocol/port), never by
    # the name the traffic claimed: the hostile name stays in the message.
    def conversation(x):
        name = "%s -> %s %s" % (x["client"]["ip"], x["server"]["ip"], x["proto"])
        return name + ("/%d" % x["port"] if x["proto"] in ("tcp", "udp") else "")
    bad = [(c.get("name"), conversation(x)) for c, x in zip(cases, unexpected)
           if not (c.get("name") or "").startswith(conversation(x))]
    tap.ok(not bad, "%s: each testcase is named by its conversation" % label,
           "\n".join("%r != %r" % p for p in bad[:3]))
    bad = [(c.find("failure").text, x["reason"]) for c, x in zip(cases, unexpected)
           if c.find("failure") is not None and
           not (c.find("failure").text or "").startswith("unexpected: " + x["reason"] + "\n")]
    tap.ok(not bad, "%s: each failure's text starts with the reason exactly" % label,
           "\n".join("%r vs %r" % p for p in bad[:3]))
    exc = root.findall("./testsuite[@name='Site exceptions']/testcase/system-out")
    tap.ok(len(exc) == len(report["exceptions"]) and
           all((o.text or "").startswith(e["why"] + "; ")
               for o, e in zip(exc, report["exceptions"])),
           "%s: the exception's output starts with its why exactly" % label,
           repr([o.text for o in exc]))


def check_events(tap, data, report):
    lines = data.decode("utf-8").split("\n")
    try:
        events = [json.loads(line) for line in lines if line]
        error = ""
    except ValueError as e:
        events, error = [], str(e)
    findings = [e for e in events if e["event"]["dataset"] == "flowaudit.finding"]
    tap.ok(not error and len(findings) == len(report["findings"]),
           "events: one JSON line per finding (%d)" % len(report["findings"]), error)
    bad = [(e.get("destination", {}).get("domain"), x["server"]["host"])
           for e, x in zip(findings, report["findings"])
           if x["kind"] == "unexpected" and
           e.get("destination", {}).get("domain") != x["server"]["host"]]
    tap.ok(not bad, "events: destination.domain is the server name exactly",
           "\n".join("%r != %r" % p for p in bad[:3]))
    tap.ok(all(e["flowaudit"].get("site") == report["site"]["name"] for e in findings),
           "events: flowaudit.site is the site's name exactly")


def check_text(tap, data, report):
    text = data.decode("utf-8")
    lines = text.split("\n")
    # The site's name holds a line break; the text report must not let it
    # start a line of its own.
    tap.ok(not any(line.startswith("second line") for line in lines) and
           "\x1b" not in text and "\r" not in text,
           "text: a line break in the site's name starts no line of its own")
    hosts = [x["server"]["host"] for x in report["findings"]
             if x["kind"] == "unexpected"]
    lost = [h for h in hosts if h not in text]
    tap.ok(hosts and not lost, "text: every hostile server name is shown (%d)" % len(hosts),
           repr(lost))


class Quiet:
    """Collects check results without printing them (for the controls)."""

    def __init__(self):
        self.results = []

    def ok(self, cond, name, diag=None):
        self.results.append(bool(cond))

    def failed(self):
        return not all(self.results)


def controls(tap, report, out):
    """Each check fails on a report that left a name raw."""
    host = "q\"><img src=x onerror=alert(2)>.example"
    escaped = html.escape(host, quote=True).replace("&#x27;", "&#39;")
    page = out["html"].decode("utf-8")
    escaped = escaped.replace(".", ".<wbr>")  # the report lets names wrap at dots
    raw = page.replace("<code>" + escaped + "</code>", "<code>" + host + "</code>", 1)
    quiet = Quiet()
    check_html(quiet, raw, report)
    tap.ok(raw != page and quiet.failed(),
           "control: the HTML checks fail on a server name written raw")
    data = out["csv"]
    raw = data.replace(b'"comma,host.example"', b"comma,host.example", 1)
    quiet = Quiet()
    check_csv(quiet, raw, report)
    tap.ok(raw != data and quiet.failed(),
           "control: the CSV checks fail on a server name with a comma written unquoted")
    data = out["junit"]
    raw = data.replace(b"&#10;second line", b"\nsecond line", 1)
    quiet = Quiet()
    check_junit(quiet, raw, report)
    tap.ok(raw != data and quiet.failed(),
           "control: the JUnit checks fail on a line break written raw in an attribute")


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="flowaudit-hostile-")
    try:
        capture = os.path.join(work, INPUT_NAME)
        shutil.copyfile(CAPTURE, capture)
        paths = {fmt: os.path.join(work, "report." + fmt)
                 for fmt in ("json", "csv", "html", "junit", "events", "text")}
        args = [FLOWAUDIT, "audit", "-q", "--site", SITE]
        for fmt, path in paths.items():
            args += ["--format", fmt, "-o", path]
        p = subprocess.run(args + [capture], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        written = all(os.path.exists(path) for path in paths.values())
        tap.ok(p.returncode == 1 and written,
               "one audit writes every format (exit 1: unexpected traffic)",
               "exit %d; %s" % (p.returncode, p.stderr.decode(errors="replace")))
        if not written:
            tap.done()
        out = {fmt: open(path, "rb").read() for fmt, path in paths.items()}
        report = json.loads(out["json"])
        hosts = sorted(x["server"].get("host") or "" for x in report["findings"]
                       if x["kind"] == "unexpected")
        tap.ok(len(hosts) == 8 and any("," in h and '"' in h for h in hosts) and
               any("<script>" in h for h in hosts) and "\n" in report["site"]["name"] and
               "\n" in report["exceptions"][0]["why"],
               "the reference: 8 hostile server names, a site name and a reason "
               "with a line break", repr(hosts))
        check_html(tap, out["html"].decode("utf-8"), report)
        check_csv(tap, out["csv"], report)
        check_junit(tap, out["junit"], report)
        check_events(tap, out["events"], report)
        check_text(tap, out["text"], report)
        controls(tap, report, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


main()

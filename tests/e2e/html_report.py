"""The HTML compliance report as a browser shows it.

Renders reports of fixture captures in headless Chromium (Debian's
chromium, installed by ./bootstrap check) and asserts on the DOM the
browser built: the verdict, the missing 13667 row, the blocked livebroker
row, the SVG diagram; and that a capture whose SNI is a <script> tag shows
the text and runs nothing. Skips (saying why) only when chromium is absent.
"""
import html.parser
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("SRCDIR", "."), "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
SITES = os.path.join(os.environ.get("SRCDIR", "."), "tests", "e2e", "sites")
DEMO_SITE = os.path.join(os.environ.get("SRCDIR", "."), "pcaps", "demo-site.json")


class Dom(html.parser.HTMLParser):
    """The parts of a rendered page the checks look at."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.scripts = 0
        self.svg_ids = set()
        self.verdict = ""
        self.title = ""
        self.rows = []          # (class, data-rule, text)
        self._row = None
        self.text = []
        self.ids = set()
        self.health = []        # data-code of each capture-health item
        self.verdict_class = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append((tag, a))
        if tag == "script":
            self.scripts += 1
        if a.get("id"):
            self.ids.add(a["id"])
        if a.get("id") == "verdict":
            self.verdict_class = a.get("class", "")
        if tag == "li" and a.get("data-code"):
            self.health.append(a["data-code"])
        if tag == "svg" and a.get("id"):
            self.svg_ids.add(a["id"])
        if tag == "tr":
            self._row = [a.get("class", ""), a.get("data-rule", ""), ""]

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "tr" and self._row is not None:
            self.rows.append(tuple(self._row))
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._row is not None:
            self._row[2] += data
        if self.stack and self.stack[-1][1].get("id") == "verdict":
            self.verdict += data
        if self.stack and self.stack[-1][0] == "title":
            self.title += data


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def render(browser, path, workdir):
    """The DOM Chromium built from path, serialised (--dump-dom)."""
    profile = tempfile.mkdtemp(dir=workdir)
    p = subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu",
         "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
         "--dump-dom", "file://" + os.path.abspath(path)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    dom = Dom()
    dom.feed(p.stdout.decode("utf-8", "replace"))
    return p.returncode, dom


def audit_html(capture, site, out, *extra):
    p = subprocess.run([FLOWAUDIT, "audit", "-q", "--site", site, *extra,
                        "--format", "html", "-o", out, capture],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stderr.decode()


def main():
    tap = Tap()
    browser = chromium()
    if not browser:
        tap.skip_all("chromium not installed (./bootstrap check installs it)")
    work = tempfile.mkdtemp(prefix="flowaudit-html-")
    try:
        demo = os.path.join(work, "demo.html")
        rc, err = audit_html(os.path.join(FIXTURES, "demo.pcap"), DEMO_SITE, demo)
        tap.ok(rc == 1 and os.path.exists(demo), "demo audit writes an HTML report "
               "and exits 1 (it has findings)", err)
        rc, dom = render(browser, demo, work)
        tap.ok(rc == 0 and dom.title.startswith("Flow audit"),
               "chromium renders the demo report", "exit %d, title %r" % (rc, dom.title))
        tap.ok(dom.verdict.strip() == "FAIL", "the verdict shown is FAIL",
               "verdict %r" % dom.verdict)
        missing = [r for r in dom.rows if "row-missing" in r[0]]
        tap.ok(any("13667" in r[2] and r[1] == "mobile-license" for r in missing),
               "a missing row for the Mobile Service's License Server on 13667",
               "\n".join(map(repr, missing)) or "no missing rows")
        blocked = [r for r in dom.rows if "row-blocked" in r[0]]
        tap.ok(any("livebroker.speechexec.com" in r[2] for r in blocked),
               "a blocked row for livebroker.speechexec.com",
               "\n".join(map(repr, blocked)) or "no blocked rows")
        tap.ok("diagram-svg" in dom.svg_ids, "the communication diagram is inline SVG",
               "svg ids %r" % sorted(dom.svg_ids))
        page = "".join(dom.text)
        tap.ok("2 unexpected" in page and "1 missing" in page and "1 blocked" in page,
               "the counts at the top match the findings")

        passing = os.path.join(work, "pass.html")
        audit_html(os.path.join(FIXTURES, "healthy-separate.pcap"),
                   os.path.join(SITES, "separate.json"), passing)
        rc, dom = render(browser, passing, work)
        tap.ok(dom.verdict.strip() == "PASS", "a healthy capture shows PASS",
               "verdict %r" % dom.verdict)

        hostile = os.path.join(work, "script.html")
        audit_html(os.path.join(FIXTURES, "sni-script.pcap"),
                   os.path.join(SITES, "separate.json"), hostile, "--fail-on", "none")
        rc, dom = render(browser, hostile, work)
        page = "".join(dom.text)
        tap.ok("<script>alert(1)</script>" in page,
               "an SNI of <script>alert(1)</script> is shown as text")
        tap.ok(dom.scripts == 0, "the rendered page holds no script element",
               "%d script elements" % dom.scripts)

        # What the capture could not show, exceptions and inconclusive
        # findings, as a browser shows them.
        one_sided = os.path.join(work, "orig-only.html")
        audit_html(os.path.join(FIXTURES, "demo-orig-only.pcap"),
                   os.path.join(SITES, "separate.json"), one_sided, "--fail-on", "none")
        rc, dom = render(browser, one_sided, work)
        tap.ok(dom.verdict.strip() == "INCONCLUSIVE" and "inconclusive" in dom.verdict_class,
               "a one-sided capture with nothing gating is INCONCLUSIVE, not PASS",
               "verdict %r class %r" % (dom.verdict, dom.verdict_class))
        tap.ok("capture-health" in dom.ids and "one-sided-capture" in dom.health,
               "the capture-health section says the mirror carries one direction",
               "ids %r health %r" % (sorted(dom.ids), dom.health))
        inconclusive = [r for r in dom.rows if "row-inconclusive" in r[0]]
        tap.ok(any(r[1] == "speechlive-cloud" and "name the capture never" in r[2]
                   for r in inconclusive) and
               not [r for r in dom.rows if "row-blocked" in r[0]],
               "the cloud's nameless TLS is an inconclusive row, nothing blocked",
               "\n".join(map(repr, inconclusive)) or "no inconclusive rows")
        page = "".join(dom.text)
        tap.ok("3 findings below do not gate (--fail-on none)" in page,
               "the findings --fail-on none lets pass are counted beside the verdict")

        exc = os.path.join(work, "exceptions.html")
        audit_html(os.path.join(FIXTURES, "unexpected.pcap"),
                   os.path.join(SITES, "exceptions.json"), exc)
        rc, dom = render(browser, exc, work)
        rows = [r for r in dom.rows if r[0].startswith("exception")]
        tap.ok("exceptions" in dom.ids and len(rows) == 2 and
               any("expired" in r[0] and "contract ended" in r[2] and
                   "no longer applies" in r[2] for r in rows) and
               any("expired" not in r[0] and "telemetry" in r[2] and "1 flow" in r[2]
                   for r in rows),
               "the site exceptions table lists the expired and the live one",
               "\n".join(map(repr, rows)) or "no exception rows")

        qualified = os.path.join(work, "qualified.html")
        audit_html(os.path.join(FIXTURES, "demo.pcap"), DEMO_SITE, qualified,
                   "--fail-on", "none")
        rc, dom = render(browser, qualified, work)
        tap.ok(dom.verdict.strip() == "PASS" and "pass-qualified" in dom.verdict_class and
               "not-gating" in dom.ids,
               "--fail-on none beside findings: PASS, not green, says what does not gate",
               "verdict %r class %r" % (dom.verdict, dom.verdict_class))

        # Defence in depth: even a script that got into the file would not
        # run, since the report's Content-Security-Policy forbids scripts.
        with open(hostile, encoding="utf-8") as f:
            text = f.read()
        injected = os.path.join(work, "injected.html")
        with open(injected, "w", encoding="utf-8") as f:
            f.write(text.replace("<body>", "<body><script>document.title='RAN';"
                                 "</script>", 1))
        rc, dom = render(browser, injected, work)
        tap.ok(dom.title != "RAN" and dom.title.startswith("Flow audit"),
               "the report's policy stops even an injected script",
               "title %r" % dom.title)
        with open(os.path.join(work, "control.html"), "w") as f:
            f.write("<html><head><title>x</title></head><body><script>"
                    "document.title='RAN';</script></body></html>")
        rc, dom = render(browser, os.path.join(work, "control.html"), work)
        tap.ok(dom.title == "RAN", "control: without the policy the same script runs "
               "(so the check above can fail)", "title %r" % dom.title)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


main()

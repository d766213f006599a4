"""The HTML report's diagram, metadata and print layout, as Chromium shows
and prints them.

For the demo (pcaps/demo-site.json) and for 20 roles with 100 unexpected
conversations (tests/data/matrix-20roles.json, fixture twenty-roles):

- the diagram's geometry as the browser lays it out: a copy of the report
  without its Content-Security-Policy gets a script that measures every
  box and label (getBBox) into the DOM, read back with --dump-dom; boxes
  only for the roles the site deploys, one edge per role pair and status,
  each labelled with its ports in <text>, no two boxes or labels
  overlapping, every label inside the viewBox and inside its frame;
- screenshots (--screenshot) of both, of plausible size;
- the demo printed to PDF on A4 and on Letter: page 1 holds the verdict,
  the metadata, the diagram and its legend (pdftotext -f 1 -l 1);
- the auditor's metadata: SOURCE_DATE_EPOCH as the time, each file's
  SHA-256 as Python computes it, the command line shell-quoted, standard
  input said to be unhashed; the headline counting flows and conversations.

Skips (saying why) only when chromium, or for the PDF pdftotext, is absent.
"""
import hashlib
import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.environ.get("SRCDIR", "."), "tests", "crosscheck"))
from common import Tap  # noqa: E402

SRCDIR = os.environ.get("SRCDIR", ".")
FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
DEMO_SITE = os.path.join(SRCDIR, "pcaps", "demo-site.json")
MATRIX20 = os.path.join(SRCDIR, "tests", "data", "matrix-20roles.json")
SITE20 = os.path.join(SRCDIR, "tests", "data", "site-20roles.json")
EPOCH = "1700000000"   # 2023-11-14T22:13:20Z

# Runs in a copy of the report (the report itself forbids scripts): every
# box's and label's box as the browser laid it out, as JSON in the DOM.
MEASURE = """<script>
(function () {
  function box(el) { var b = el.getBBox(); return [b.x, b.y, b.width, b.height]; }
  var svg = document.getElementById('diagram-svg');
  var vb = svg.viewBox.baseVal;
  var out = {viewbox: [vb.x, vb.y, vb.width, vb.height], boxes: [], labels: [], edges: []};
  svg.querySelectorAll('g.role').forEach(function (g) {
    out.boxes.push({role: g.getAttribute('data-role'), other: g.classList.contains('other'),
                    box: box(g.querySelector('rect'))});
  });
  svg.querySelectorAll('g.edge-label').forEach(function (g) {
    var ports = g.querySelector('text.ports');
    out.labels.push({box: box(g), frame: box(g.querySelector('rect')),
                     ports: ports ? ports.textContent : '',
                     text: [ports ? box(ports) : null, box(g.querySelector('text.count'))]});
  });
  svg.querySelectorAll('g.edge').forEach(function (g) {
    out.edges.push([g.getAttribute('data-from'), g.getAttribute('data-to'),
                    g.getAttribute('data-status')]);
  });
  var pre = document.createElement('pre');
  pre.id = 'geometry';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browser_run(browser, work, *args):
    profile = tempfile.mkdtemp(dir=work)
    return subprocess.run(
        [browser, "--headless=new", "--no-sandbox", "--disable-gpu",
         "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile,
         *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=180)


def audit_html(out, capture, site, *extra, stdin=None):
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    p = subprocess.run([FLOWAUDIT, "audit", "-q", "--site", site, *extra,
                        "--format", "html", "-o", out, capture], env=env,
                       stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stderr.decode()


def geometry(browser, work, report):
    """The measured diagram of report (see MEASURE)."""
    with open(report, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    text = text.replace("</body>", MEASURE + "</body>")
    copy = report + ".measure.html"
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text)
    p = browser_run(browser, work, "--dump-dom", "file://" + os.path.abspath(copy))
    m = re.search(r'<pre id="geometry">(.*?)</pre>', p.stdout.decode("utf-8", "replace"),
                  re.S)
    return json.loads(html.unescape(m.group(1))) if m else None


def overlap(a, b, slack=0.5):
    return (a[0] + slack < b[0] + b[2] and b[0] + slack < a[0] + a[2] and
            a[1] + slack < b[1] + b[3] and b[1] + slack < a[1] + a[3])


def inside(inner, outer, slack=0.5):
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack and
            inner[0] + inner[2] <= outer[0] + outer[2] + slack and
            inner[1] + inner[3] <= outer[1] + outer[3] + slack)


def pairs(items):
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            yield items[i], items[j]


def check_diagram(tap, name, g, site_path, matrix_path):
    if not g:
        tap.ok(False, "%s: the diagram was measured in the browser" % name)
        return
    with open(site_path, encoding="utf-8") as f:
        deployed = set(json.load(f)["roles"])
    with open(matrix_path, encoding="utf-8") as f:
        roles = set(json.load(f)["roles"])
    drawn = {b["role"] for b in g["boxes"] if not b["other"]}
    tap.ok(drawn == deployed and roles - deployed <= roles - drawn,
           "%s: a box for each role the site deploys and for no other" % name,
           "drawn %r\ndeployed %r" % (sorted(drawn), sorted(deployed)))
    keys = [tuple(e) for e in g["edges"]]
    tap.ok(keys and len(keys) == len(set(keys)),
           "%s: one edge per role pair and status (%d edges)" % (name, len(keys)),
           "repeated: %r" % sorted({k for k in keys if keys.count(k) > 1}))
    tap.ok(len(g["labels"]) == len(keys) and
           all(re.search(r"\b(tcp|udp|icmp)\b", lb["ports"]) for lb in g["labels"]),
           "%s: every edge has a label naming its ports as SVG text" % name,
           "\n".join(lb["ports"] for lb in g["labels"]))
    bad = [(a["role"], b["role"]) for a, b in pairs(g["boxes"]) if overlap(a["box"], b["box"])]
    tap.ok(g["boxes"] and not bad, "%s: no two boxes overlap" % name, repr(bad))
    vb = g["viewbox"]
    out = [lb["ports"] for lb in g["labels"] if not inside(lb["box"], vb)]
    out += [b["role"] for b in g["boxes"] if not inside(b["box"], vb)]
    tap.ok(not out, "%s: every label and box lies inside the viewBox %r" % (name, vb),
           repr(out))
    bad = [(a["ports"], b["ports"]) for a, b in pairs(g["labels"]) if overlap(a["box"], b["box"])]
    tap.ok(g["labels"] and not bad, "%s: no label overlaps another" % name, repr(bad[:10]))
    spill = [lb["ports"] for lb in g["labels"]
             if not all(t is None or inside(t, lb["frame"]) for t in lb["text"])]
    tap.ok(not spill, "%s: each label's text fits its frame (the width estimate holds "
           "for the fonts installed)" % name, repr(spill))
    hit = [(lb["ports"], b["role"]) for lb in g["labels"] for b in g["boxes"]
           if overlap(lb["box"], b["box"])]
    tap.ok(not hit, "%s: no label covers a box" % name, repr(hit[:10]))


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def screenshot(tap, browser, work, name, report, size=(1280, 1600)):
    png = os.path.join(work, name + ".png")
    browser_run(browser, work, "--screenshot=" + png, "--window-size=%d,%d" % size,
                "--hide-scrollbars", "file://" + os.path.abspath(report))
    dims = png_size(png) if os.path.exists(png) else None
    tap.ok(dims == size and os.path.getsize(png) > 50000,
           "%s: a %dx%d screenshot was written (%s bytes)" %
           (name, size[0], size[1], os.path.getsize(png) if dims else "no"),
           "PNG size %r" % (dims,))
    return png


def print_pdf(tap, browser, work, report, paper, points):
    """Page 1 of the report printed on paper: the verdict, the metadata, the
    diagram and its legend."""
    with open(report, encoding="utf-8") as f:
        text = f.read()
    # The report leaves the paper to the printer; choose it as a print
    # dialog would.
    text = text.replace("<style>", "<style>@page{size:%s}" % paper, 1)
    copy = os.path.join(work, "print-%s.html" % paper.split()[0])
    pdf = copy[:-5] + ".pdf"
    with open(copy, "w", encoding="utf-8") as f:
        f.write(text)
    browser_run(browser, work, "--no-pdf-header-footer", "--print-to-pdf=" + pdf,
                "file://" + os.path.abspath(copy))
    if not os.path.exists(pdf):
        tap.ok(False, "%s: chromium printed the report to PDF" % paper)
        return
    info = subprocess.run(["pdfinfo", pdf], stdout=subprocess.PIPE).stdout.decode()
    m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    got = (round(float(m.group(1))), round(float(m.group(2)))) if m else None
    tap.ok(got == points, "%s: the PDF's pages are %s" % (paper, paper), info)
    page1 = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", pdf, "-"],
                           stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")
    flat = " ".join(page1.split())
    wanted = ["FAIL", "2 unexpected flows in 2 conversations", "Generated", "SHA-256",
              "Communication diagram", "observed", "blocked", "missing", "not applicable",
              "unexpected", "license_server", "mobile_service", "speechlive_cloud",
              "tcp/13667", "1 rule, missing"]
    lacking = [w for w in wanted if w not in flat]
    tap.ok(not lacking, "%s: page 1 holds the verdict, the metadata, the diagram and "
           "its legend" % paper, "lacking %r\n%s" % (lacking, page1[:1500]))
    tap.ok("Matrix: every rule and host" not in flat.split("Communication diagram")[0],
           "%s: nothing long comes between the summary and the diagram" % paper)


def check_metadata(tap, work, demo_html, demo_pcap):
    with open(demo_html, encoding="utf-8") as f:
        text = f.read()

    def digest(path):
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    tap.ok("2023-11-14T22:13:20.000000Z (UTC)" in text,
           "the time generated is SOURCE_DATE_EPOCH's")
    tap.ok(digest(demo_pcap) in text and digest(DEMO_SITE) in text,
           "the capture's and the site's SHA-256 are stated, as Python computes them")
    tap.ok(re.search(r"nDPI \d", text) and re.search(r"libpcap \d", text) and
           "cJSON" in text and "ldns" in text and "libmaxminddb" in text,
           "the versions of nDPI, libpcap, libmaxminddb, cJSON and ldns are stated")
    tap.ok(text.count('id="provenance"') == 1 and
           text.index('id="provenance"') < text.index('id="capture-health"') <
           text.index('id="diagram"') < text.index('id="matrix"'),
           "metadata, then capture health, then the diagram, then the tables")
    tap.ok("livebroker.<wbr>speechexec.<wbr>com" in text,
           "host names may wrap after their dots (<wbr>), not inside a label")
    def server_cell(kind, rule):
        rows = re.findall(r'<tr class="row-%s" data-rule="%s">.*?</tr>' % (kind, rule), text, re.S)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[0], re.S) if rows else []
        return cells[5] if len(cells) > 5 else ""

    blocked = server_cell("blocked", "speechlive-cloud")
    missing = server_cell("missing", "mobile-license")
    tap.ok(blocked.count("livebroker") == 1 and missing.count("10.1.0.10") == 1 and
           "never seen" in missing,
           "the server cells name the host once, seen or expected",
           "%s\n%s" % (blocked, missing))

    # A file name a shell would split: quoted in the command line, escaped.
    odd = os.path.join(work, "it's <b>odd & spaced.pcap")
    shutil.copyfile(demo_pcap, odd)
    out = os.path.join(work, "odd.html")
    audit_html(out, odd, DEMO_SITE, "--fail-on", "none")
    with open(out, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r'<code id="command-line">(.*?)</code>', text, re.S)
    shown = html.unescape(m.group(1)) if m else ""
    tap.ok(shown.endswith("'" + odd.replace("'", "'\\''") + "'") and "<b>" not in text,
           "the command line is shell-quoted and escaped", shown)
    with open(demo_pcap, "rb") as stdin:
        out = os.path.join(work, "stdin.html")
        audit_html(out, "-", DEMO_SITE, "--fail-on", "none", stdin=stdin)
    with open(out, encoding="utf-8") as f:
        text = f.read()
    tap.ok("not hashed: standard input" in text,
           "standard input is said to be unhashed, and why")


def main():
    tap = Tap()
    browser = chromium()
    if not browser:
        tap.skip_all("chromium not installed (./bootstrap check installs it)")
    work = tempfile.mkdtemp(prefix="flowaudit-html-print-")
    try:
        demo_pcap = os.path.join(FIXTURES, "demo.pcap")
        demo = os.path.join(work, "demo.html")
        rc, err = audit_html(demo, demo_pcap, DEMO_SITE)
        tap.ok(rc == 1 and os.path.exists(demo), "the demo's HTML report is written", err)
        twenty = os.path.join(work, "twenty.html")
        rc, err = audit_html(twenty, os.path.join(FIXTURES, "twenty-roles.pcap"), SITE20,
                             "--matrix", MATRIX20)
        tap.ok(rc == 1 and os.path.exists(twenty), "the 20-role report is written", err)
        with open(twenty, encoding="utf-8") as f:
            text = f.read()
        tap.ok("100 unexpected flows in 100 conversations" in text,
               "the 20-role headline counts 100 unexpected conversations")
        again = os.path.join(work, "twenty-again.html")
        audit_html(again, os.path.join(FIXTURES, "twenty-roles.pcap"), SITE20,
                   "--matrix", MATRIX20)
        with open(again, encoding="utf-8") as f:
            same = f.read().replace(again, twenty) == text
        tap.ok(same, "the same inputs give the same bytes")

        check_diagram(tap, "demo", geometry(browser, work, demo), DEMO_SITE,
                      os.path.join(SRCDIR, "rules", "speechexec-enterprise.json"))
        g = geometry(browser, work, twenty)
        check_diagram(tap, "20 roles", g, SITE20, MATRIX20)
        tap.ok(g and 10 <= sum(1 for e in g["edges"] if e[2] == "unexpected") <= 40,
               "20 roles: 100 unexpected conversations drawn as one edge per role pair",
               repr([e for e in (g or {}).get("edges", []) if e[2] == "unexpected"]))

        screenshot(tap, browser, work, "demo", demo)
        screenshot(tap, browser, work, "twenty-roles", twenty)
        if os.environ.get("HTML_SCREENSHOTS"):
            for name in ("demo", "twenty-roles"):
                shutil.copy(os.path.join(work, name + ".png"), os.environ["HTML_SCREENSHOTS"])

        if shutil.which("pdftotext") and shutil.which("pdfinfo"):
            print_pdf(tap, browser, work, demo, "A4", (595, 842))
            print_pdf(tap, browser, work, demo, "letter", (612, 792))
        else:
            print("# SKIP PDF checks: pdftotext not installed "
                  "(poppler-utils; ./bootstrap check installs it)")

        check_metadata(tap, work, demo, demo_pcap)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


main()

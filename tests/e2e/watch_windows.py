"""flowaudit watch: what each window's report says of the capture, and what
the signals do to a running watch.

- Input figures are the window's own: two 2 s windows over a capture made
  here, the second window's packets, bytes, first and last packet time are
  those of its frames only (they used to be counted since the start).
- SIGHUP reopens --events (rotation by mv): the old file keeps its lines,
  new lines go to a new file under the name; the rules are reloaded too.
- Each window's HTML report states its making (the capture's SHA-256, the
  versions, the command line) and the window it covers; the text report
  says the window too.
- watch --help lists the exit statuses.
"""
import hashlib
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
SITE = os.path.join(SRCDIR, "pcaps", "demo-site.json")
T0 = 1700000000          # a multiple of 2: windows of 2 s start here
LIMIT = 20               # seconds any wait may take


def udp_frame(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes(src), bytes(dst))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp


def pcap_header():
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def pcap_record(t, frame):
    sec = int(t)
    usec = int(round((t - sec) * 1000000))
    return struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame


def dns_packet(i):
    """A query to port 53 (inside the demo site's kernel filter), i bytes
    of payload more than the last so that byte counts tell frames apart."""
    return udp_frame((10, 0, 0, 1), (10, 0, 0, 2), 1024 + i, 53, b"q" * (8 + i))


def per_window_counts(tap, work):
    times = [T0 + 0.0, T0 + 0.5, T0 + 1.0, T0 + 1.5,     # window 1: [T0, T0+2)
             T0 + 2.5, T0 + 3.0, T0 + 3.5]               # window 2
    frames = [dns_packet(i) for i in range(len(times))]
    capture = os.path.join(work, "two-windows.pcap")
    with open(capture, "wb") as f:
        f.write(pcap_header())
        for t, d in zip(times, frames):
            f.write(pcap_record(t, d))
    out = os.path.join(work, "counts")
    os.mkdir(out)
    p = subprocess.run([FLOWAUDIT, "watch", "-q", "--site", SITE, "--window", "2s",
                        "--report-dir", out, "--format", "json", capture],
                       stderr=subprocess.PIPE, timeout=LIMIT)
    names = sorted(n for n in os.listdir(out) if n.startswith("flowaudit-"))
    tap.ok(p.returncode == 0 and names == ["flowaudit-20231114T221320Z.json",
                                           "flowaudit-20231114T221322Z.json"],
           "two 2 s windows: two window reports", "%r\n%s" % (names, p.stderr.decode()))
    if len(names) != 2:
        return
    reports = [json.load(open(os.path.join(out, n))) for n in names]
    for k, (r, lo, hi) in enumerate(zip(reports, (0, 4), (4, 7))):
        inp = r["inputs"][0]
        want = {"packets": hi - lo,
                "bytes": sum(len(d) for d in frames[lo:hi]),
                "first_ts": times[lo], "last_ts": times[hi - 1]}
        got = {key: inp[key] for key in want}
        tap.ok(got == want and r["capture"]["packets"] == hi - lo,
               "window %d: the input's packets, bytes, first and last packet are "
               "the window's own (%d packets)" % (k + 1, hi - lo),
               "got %r\nwant %r\ncapture %r" % (got, want, r["capture"]))


def rotation_events(tap, work):
    """Unexpected UDP flows (mobile_service to the license server on a port no
    rule has) written to watch's standard input as a capture in three
    parts; the events file is moved and SIGHUP sent between them."""
    out = os.path.join(work, "rotate")
    os.mkdir(out)
    events = os.path.join(out, "events.jsonl")
    rotated = os.path.join(out, "events.jsonl.1")
    p = subprocess.Popen([FLOWAUDIT, "watch", "-q", "--site", SITE, "--window", "1h",
                          "--report-dir", out, "--format", "json", "--timeout", "udp=1",
                          "--threads", "1", "--events", events, "-r", "-"],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def send(*records):
        p.stdin.write(b"".join(records))
        p.stdin.flush()

    def lines_of(path, want):
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline:
            try:
                lines = open(path).read().splitlines()
            except OSError:
                lines = []
            if len(lines) >= want:
                return lines
            time.sleep(0.05)
        return lines

    def unexpected(t, sport):
        return pcap_record(t, udp_frame((10, 1, 0, 20), (10, 1, 0, 10), sport, 9999, b"x" * 20))

    def later(t):
        # Any frame later in time: a tick, which ends the idle flow.
        return pcap_record(t, dns_packet(0))

    try:
        send(pcap_header(), unexpected(T0, 40000), later(T0 + 3), later(T0 + 4))
        before = lines_of(events, 1)
        os.rename(events, rotated)
        p.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        send(later(T0 + 5), unexpected(T0 + 6, 40001), later(T0 + 9), later(T0 + 10))
        after = lines_of(events, 1)
        p.stdin.close()
        p.wait(timeout=LIMIT)
        err = p.stderr.read()
    except (subprocess.TimeoutExpired, BrokenPipeError) as e:
        p.kill()
        _, err = p.communicate()
        tap.ok(False, "SIGHUP reopens --events", "%s\n%s" % (e, err.decode()))
        return
    old = open(rotated).read().splitlines()
    ports = [json.loads(line)["source"]["port"] for line in after]
    tap.ok(len(before) == 1 and old == before and len(after) >= 1 and 40001 in ports and
           40000 not in ports and p.returncode == 0,
           "SIGHUP after mv: the moved file keeps its event, the next event "
           "goes to a new file under the name",
           "before %r\nold %r\nafter %r\nexit %s\n%s" % (before, old, after, p.returncode,
                                                         err.decode()))
    tap.ok("reloaded" in err.decode() and "reopened" in err.decode(),
           "SIGHUP still reloads the rules, and says it reopened the events file",
           err.decode())


def window_reports_say_so(tap, work):
    """The HTML and text reports of a window name the window and, in HTML,
    what the report rests on: the capture's digest, read once."""
    capture = os.path.join(work, "two-windows.pcap")
    if not os.path.exists(capture):
        tap.ok(False, "the two-window capture of the count check exists")
        return
    out = os.path.join(work, "html")
    os.mkdir(out)
    p = subprocess.run([FLOWAUDIT, "watch", "-q", "--site", SITE, "--window", "2s",
                        "--report-dir", out, "--format", "html", "--format", "text",
                        capture],
                       stderr=subprocess.PIPE, timeout=LIMIT)
    digest = hashlib.sha256(open(capture, "rb").read()).hexdigest()
    for stamp, start, end in (("20231114T221320Z", "22:13:20", "22:13:22"),
                              ("20231114T221322Z", "22:13:22", "22:13:23.5")):  # the capture ends
        html_path = os.path.join(out, "flowaudit-%s.html" % stamp)
        text_path = os.path.join(out, "flowaudit-%s.txt" % stamp)
        page = open(html_path, encoding="utf-8").read() if os.path.exists(html_path) else ""
        text = open(text_path, encoding="utf-8").read() if os.path.exists(text_path) else ""
        window = page.split('id="window"', 1)[1][:200] if 'id="window"' in page else ""
        tap.ok(p.returncode == 0 and start in window and end in window,
               "the HTML report of window %s names the window it covers" % stamp,
               "%s\n%s" % (window, p.stderr.decode()))
        tap.ok(digest in page and 'id="components"' in page and
               "flowaudit watch" in page,
               "the HTML report of window %s states the capture's SHA-256, the "
               "versions and the command line" % stamp)
        line = [l for l in text.splitlines() if l.startswith("Window:")]
        tap.ok(len(line) == 1 and start in line[0] and end in line[0],
               "the text report of window %s names the window" % stamp, repr(line))


def help_exit_codes(tap):
    p = subprocess.run([FLOWAUDIT, "watch", "--help"], stdout=subprocess.PIPE)
    text = p.stdout.decode()
    tap.ok(p.returncode == 0 and "Exit status:" in text and " 0 " in text.split(
        "Exit status:")[1] and " 2 " in text.split("Exit status:")[1],
           "watch --help lists the exit statuses", text[-600:])


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="flowaudit-windows-")
    try:
        per_window_counts(tap, work)
        window_reports_say_so(tap, work)
        rotation_events(tap, work)
        help_exit_codes(tap)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tap.done()


if __name__ == "__main__":
    main()

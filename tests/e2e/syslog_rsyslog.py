"""--events syslog:// and syslog+tcp:// against a real rsyslog on loopback.

rsyslogd runs in the foreground as the user running the test, with a
private configuration (imudp and imtcp on free high loopback ports, its own
pid file and work directory) and templates writing, per input, the raw MSG
of each message and its RFC 5424 header fields to files. Then:

- UDP and TCP (and TCP to [::1] when the host has IPv6 loopback): `audit
  --events` of fixtures with many finding kinds; events received = events
  sent = the lines `audit --events FILE` writes for the same run, each a
  JSON object equal to its file line, in order;
- `watch --events syslog+tcp://` against `watch --events FILE`;
- the header: version 1, APP-NAME flowaudit, PROCID the sender's pid,
  MSGID the event's event.action, structured data "-", facility local0 by
  default and local3 with ?facility=local3, severity by kind;
- the run summary says "N of N sent";
- watch reading a capture on its standard input: an event arrives, rsyslog
  restarts, SIGHUP, the next event arrives at the new rsyslog;
- a TCP collector that is not there: the run still ends, in bounded time,
  with its usual exit status, saying how many events were dropped;
- bad destinations are refused, exit 2, before any capture is read.

The rsyslog parts skip when rsyslogd is not installed or does not start.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
SITES = os.path.join(SRCDIR, "tests", "e2e", "sites")
RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"

# Fixture, site: together every finding kind, exceptions, health notes,
# IPv6 addresses and hostile text to escape.
RUNS = [
    ("demo.pcap", "separate.json"),
    ("blocked-rst.pcap", "separate.json"),
    ("ipv6-site.pcap", "ipv6.json"),
    ("hostile-audit-names.pcap", "hostile-text.json"),
    ("unexpected.pcap", "exceptions.json"),
]
SEVERITY = {"flow-missing": 3, "flow-blocked": 3, "flow-unexpected": 4,
            "flow-attempt-failed": 4, "flow-inconclusive": 5, "capture-health": 5,
            "site-exception": 5, "flow-observed": 6, "flow-end": 6}


def free_port(family, kind):
    s = socket.socket(family, kind)
    s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def has_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def rsyslog_config(work, ports, ipv6):
    """Inputs bound to rulesets, each writing <name>.msg (the MSG as sent)
    and <name>.hdr (header fields) in the work directory."""
    inputs = [("udp", "imudp", "127.0.0.1", ports["udp"]),
              ("tcp", "imtcp", "127.0.0.1", ports["tcp"])]
    if ipv6:
        inputs.append(("tcp6", "imtcp", "::1", ports["tcp6"]))
    conf = ['global(workDirectory="%s" maxMessageSize="64k")' % work,
            'module(load="imudp")', 'module(load="imtcp")',
            'template(name="msg" type="string" string="%msg%\\n")',
            'template(name="hdr" type="string" string="%protocol-version% %syslogfacility% '
            '%syslogseverity% %app-name% %procid% %msgid% %structured-data%\\n")']
    for name, module, addr, port in inputs:
        conf.append('ruleset(name="%s") {' % name)
        conf.append('  action(type="omfile" file="%s/%s.msg" template="msg")' % (work, name))
        conf.append('  action(type="omfile" file="%s/%s.hdr" template="hdr")' % (work, name))
        conf.append('}')
        conf.append('input(type="%s" address="%s" port="%d" ruleset="%s")'
                    % (module, addr, port, name))
    path = os.path.join(work, "rsyslog.conf")
    with open(path, "w") as f:
        f.write("\n".join(conf) + "\n")
    return path


def wait_listening(port, family, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.connect(("::1" if family == socket.AF_INET6 else "127.0.0.1", port))
            return True
        except OSError:
            time.sleep(0.1)
        finally:
            s.close()
    return False


def lines_of(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        return [line for line in f.read().split("\n") if line]


def wait_lines(path, n, timeout=10):
    """The file's lines once it has n (rsyslog writes asynchronously), or
    what it has at the timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = lines_of(path)
        if len(got) >= n:
            time.sleep(0.2)  # anything beyond n would show now
            return lines_of(path)
        time.sleep(0.05)
    return lines_of(path)


def flowaudit(args):
    return subprocess.run([FLOWAUDIT] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)


def audit_args(capture, site):
    return ["audit", "--site", os.path.join(SITES, site), "--format", "json", "-o",
            "/dev/null", "--allow-special-output",
            os.path.join(FIXTURES, capture)]


class Collector:
    def __init__(self, work, name):
        self.msg = os.path.join(work, name + ".msg")
        self.hdr = os.path.join(work, name + ".hdr")
        self.taken = 0  # lines already compared

    def next_lines(self, n):
        msgs = wait_lines(self.msg, self.taken + n)
        hdrs = wait_lines(self.hdr, self.taken + n)
        new = msgs[self.taken:], hdrs[self.taken:]
        self.taken = len(msgs)
        return new


def compare(tap, name, expected_lines, got_msgs):
    tap.ok(len(got_msgs) == len(expected_lines) and len(expected_lines) > 0,
           "%s: events received = events sent = file lines (%d)" % (name, len(expected_lines)),
           "sent %d, received %d" % (len(expected_lines), len(got_msgs)))
    bad = []
    for i, (want, got) in enumerate(zip(expected_lines, got_msgs), 1):
        try:
            if json.loads(got) != json.loads(want):
                bad.append("line %d differs:\n  sent %s\n  got  %s" % (i, want[:300], got[:300]))
        except ValueError as e:
            bad.append("line %d is not JSON (%s): %s" % (i, e, got[:300]))
    tap.ok(not bad, "%s: every event arrived intact and parses as JSON" % name,
           "\n".join(bad[:5]))
    return len(got_msgs)


def check_headers(tap, name, lines, hdrs, facility, pid_ok=True):
    bad = []
    for i, (line, hdr) in enumerate(zip(lines, hdrs), 1):
        f = hdr.split(" ")
        action = json.loads(line)["event"]["action"]
        want = ["1", str(facility), str(SEVERITY.get(action, 6)), "flowaudit"]
        if len(f) != 7 or f[:4] != want or not f[4].isdigit() or f[5] != action or f[6] != "-":
            bad.append("message %d (%s): header %r, wanted %r pid MSGID %s SD -"
                       % (i, action, hdr, " ".join(want), action))
    tap.ok(hdrs and not bad, "%s: RFC 5424 header (version 1, facility %d, severity by "
           "kind, APP-NAME, PROCID, MSGID = event.action, no SD) on every message"
           % (name, facility), "\n".join(bad[:5]))


def summary_count(stderr):
    """(sent, events) from "events to URL: N of M sent"."""
    for line in stderr.decode(errors="replace").splitlines():
        if line.startswith("flowaudit: events to ") and " sent" in line:
            part = line.split(": ", 2)[2]
            n, _, m = part.split(" ")[:3]
            return int(n), int(m)
    return None


def start_rsyslog(conf, work, ports, ipv6):
    """rsyslogd in the foreground, listening; None (and why) if it is not."""
    proc = subprocess.Popen([RSYSLOGD, "-n", "-f", conf, "-i", os.path.join(work, "pid")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    up = wait_listening(ports["tcp"], socket.AF_INET) and \
        (not ipv6 or wait_listening(ports["tcp6"], socket.AF_INET6))
    if up and proc.poll() is None:
        time.sleep(0.3)  # imudp binds with imtcp, at the same configuration load
        return proc, ""
    stop_rsyslog(proc)
    return None, proc.stdout.read().decode(errors="replace").strip()[:200]


def stop_rsyslog(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def usage_errors(tap, work):
    """What is wrong with a destination is said before any capture is read."""
    capture, site = RUNS[0]
    report = os.path.join(work, "never.json")
    cases = [
        (["--events", "-"], "standard output"),
        (["--events", "syslog://[::1"], "no ']'"),
        (["--events", "syslog://h:99999"], "port"),
        (["--events", "syslog://no-such-host.invalid"], "no-such-host.invalid"),
    ]
    for extra, text in cases:
        args = ["audit", "-q", "--site", os.path.join(SITES, site)] + \
            ([] if extra[1] == "-" else ["--format", "json", "-o", report]) + extra + \
            [os.path.join(FIXTURES, capture)]
        p = flowaudit(args)
        err = p.stderr.decode(errors="replace")
        tap.ok(p.returncode == 2 and text in err and not os.path.exists(report),
               "audit --events %s: exit 2 before the read, saying %r" % (extra[1], text),
               "exit %d: %s" % (p.returncode, err))
    p = flowaudit(["watch", "-q", "--site", os.path.join(SITES, site), "--events",
                   "syslog+tcp://h:0", os.path.join(FIXTURES, capture)])
    tap.ok(p.returncode == 2 and b"port" in p.stderr, "watch --events syslog+tcp://h:0: "
           "exit 2, the port refused", p.stderr.decode(errors="replace"))
    # --events - with the report in a file: the events on standard output.
    p = flowaudit(["audit", "-q", "--site", os.path.join(SITES, site), "--format", "json",
                   "-o", report, "--events", "-", os.path.join(FIXTURES, capture)])
    q = flowaudit(["audit", "-q", "--site", os.path.join(SITES, site), "--format", "events",
                   os.path.join(FIXTURES, capture)])
    tap.ok(p.returncode == q.returncode and p.stdout == q.stdout and p.stdout,
           "audit --events -: the lines of --format events on standard output")


def udp_frame(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes(src), bytes(dst))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp


def pcap_record(t, frame):
    return struct.pack("<IIII", int(t), 0, len(frame), len(frame)) + frame


def sighup_reconnects(tap, conf, work, ports, ipv6, collector, rsyslog):
    """watch reading a capture from its standard input, events over TCP:
    one event arrives; the collector is restarted; SIGHUP makes watch
    connect again, and the next event arrives at the new collector.
    rsyslog["proc"] is the running rsyslogd, replaced here. Returns the
    events (sent, received)."""
    site = os.path.join(SRCDIR, "pcaps", "demo-site.json")
    t0 = 1700000000
    out = os.path.join(work, "sighup")
    os.mkdir(out)
    p = subprocess.Popen([FLOWAUDIT, "watch", "--site", site, "--window", "1h",
                          "--report-dir", out, "--format", "json", "--timeout", "udp=1",
                          "--threads", "1", "--events",
                          "syslog+tcp://127.0.0.1:%d" % ports["tcp"], "-r", "-"],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def unexpected(t, sport):  # mobile_service to the license server, a port no rule has
        return pcap_record(t, udp_frame((10, 1, 0, 20), (10, 1, 0, 10), sport, 9999, b"x" * 20))

    def later(t):  # any later frame inside the kernel filter: a tick
        return pcap_record(t, udp_frame((10, 0, 0, 1), (10, 0, 0, 2), 1024, 53, b"q" * 8))

    def send(*records):
        p.stdin.write(b"".join(records))
        p.stdin.flush()

    try:
        send(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1),
             unexpected(t0, 40000), later(t0 + 3), later(t0 + 4))
        first, _ = collector.next_lines(1)
        stop_rsyslog(rsyslog["proc"])
        rsyslog["proc"], why = start_rsyslog(conf, work, ports, ipv6)
        if not rsyslog["proc"]:
            raise OSError("rsyslogd did not start again: " + why)
        p.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        send(later(t0 + 5), unexpected(t0 + 6, 40001), later(t0 + 9), later(t0 + 10))
        second, _ = collector.next_lines(1)
        p.stdin.close()
        p.wait(timeout=30)
        err = p.stderr.read().decode(errors="replace")
    except (subprocess.TimeoutExpired, OSError) as e:
        p.kill()
        err = p.communicate()[1].decode(errors="replace")
        tap.ok(False, "watch: SIGHUP reconnects to a restarted collector", "%s\n%s" % (e, err))
        return 1, 0
    ports_seen = [json.loads(line)["source"]["port"] for line in first + second]
    tap.ok(ports_seen == [40000, 40001] and p.returncode == 0,
           "watch: an event before the collector restarts, SIGHUP, the next event "
           "at the new collector", "got %r, exit %s\n%s" % (ports_seen, p.returncode, err))
    tap.ok("reconnecting" in err and summary_count(err.encode()) == (2, 2),
           "watch: says it reconnects, and 2 of 2 sent in its summary", err)
    return 2, len(first) + len(second)


def main():
    tap = Tap()
    work = tempfile.mkdtemp(prefix="flowaudit-rsyslog-")
    os.chmod(work, 0o755)
    usage_errors(tap, work)
    if not os.path.exists(RSYSLOGD):
        print("ok %d - rsyslog # SKIP rsyslogd not installed (Debian package rsyslog)"
              % (tap.n + 1))
        tap.n += 1
        shutil.rmtree(work, ignore_errors=True)
        tap.done()
    ipv6 = has_ipv6_loopback()
    ports = {"udp": free_port(socket.AF_INET, socket.SOCK_DGRAM),
             "tcp": free_port(socket.AF_INET, socket.SOCK_STREAM)}
    if ipv6:
        ports["tcp6"] = free_port(socket.AF_INET6, socket.SOCK_STREAM)
    conf = rsyslog_config(work, ports, ipv6)
    proc, why = start_rsyslog(conf, work, ports, ipv6)
    if not proc:
        print("ok %d - rsyslog # SKIP rsyslogd did not start: %s" % (tap.n + 1, why))
        tap.n += 1
        shutil.rmtree(work, ignore_errors=True)
        tap.done()
    rsyslog = {"proc": proc}
    totals = {"udp": [0, 0], "tcp": [0, 0]}
    try:
        collectors = {name: Collector(work, name) for name in ports}
        targets = [("udp", "syslog://127.0.0.1:%d" % ports["udp"]),
                   ("tcp", "syslog+tcp://127.0.0.1:%d" % ports["tcp"])]
        if ipv6:
            targets.append(("tcp6", "syslog+tcp://[::1]:%d" % ports["tcp6"]))
        for capture, site in RUNS:
            evfile = os.path.join(work, capture + ".events")
            ref = flowaudit(audit_args(capture, site) + ["-q", "--events", evfile])
            want = lines_of(evfile)
            for name, url in targets:
                p = flowaudit(audit_args(capture, site) + ["--events", url])
                what = "audit %s over %s" % (capture, url.split("://")[0] +
                                             (" (IPv6)" if name == "tcp6" else ""))
                tap.ok(p.returncode == ref.returncode,
                       "%s: exit %d as with a file" % (what, ref.returncode),
                       "exit %d: %s" % (p.returncode, p.stderr.decode()[-300:]))
                tap.ok(summary_count(p.stderr) == (len(want), len(want)),
                       "%s: the summary says %d of %d sent" % (what, len(want), len(want)),
                       p.stderr.decode()[-400:])
                msgs, hdrs = collectors[name].next_lines(len(want))
                got = compare(tap, what, want, msgs)
                check_headers(tap, what, want, hdrs, 16)
                key = "udp" if name == "udp" else "tcp"
                totals[key][0] += len(want)
                totals[key][1] += got

        # A facility of one's own.
        capture, site = RUNS[0]
        want = lines_of(os.path.join(work, capture + ".events"))
        flowaudit(audit_args(capture, site) + ["-q", "--events", "syslog://127.0.0.1:%d"
                                               "?facility=local3" % ports["udp"]])
        msgs, hdrs = collectors["udp"].next_lines(len(want))
        check_headers(tap, "?facility=local3", want, hdrs, 19)
        totals["udp"][0] += len(want)
        totals["udp"][1] += len(msgs)

        # watch: events as flows end, over TCP, against the file.
        for capture, site in RUNS[:3]:
            rd = os.path.join(work, "reports-" + capture)
            os.mkdir(rd)
            evfile = os.path.join(work, capture + ".watch-events")
            base = ["watch", "--site", os.path.join(SITES, site), "--window", "1d",
                    "--report-dir", rd, "--format", "json", os.path.join(FIXTURES, capture)]
            flowaudit(base + ["-q", "--events", evfile])
            want = lines_of(evfile)
            p = flowaudit(base + ["--events", "syslog+tcp://127.0.0.1:%d" % ports["tcp"]])
            what = "watch %s over syslog+tcp" % capture
            tap.ok(p.returncode == 0, "%s: exit 0" % what, p.stderr.decode()[-300:])
            msgs, hdrs = collectors["tcp"].next_lines(len(want))
            if want:
                got = compare(tap, what, want, msgs)
                check_headers(tap, what, want, hdrs, 16)
            else:
                got = len(msgs)
                tap.ok(not msgs, "%s: no event, none received" % what)
            totals["tcp"][0] += len(want)
            totals["tcp"][1] += got

        sent, got = sighup_reconnects(tap, conf, work, ports, ipv6, collectors["tcp"],
                                      rsyslog)
        totals["tcp"][0] += sent
        totals["tcp"][1] += got
    finally:
        if rsyslog["proc"]:
            stop_rsyslog(rsyslog["proc"])

    # A collector that is not there: bounded, counted, said.
    capture, site = RUNS[0]
    want = lines_of(os.path.join(work, capture + ".events"))
    dead = free_port(socket.AF_INET, socket.SOCK_STREAM)
    t0 = time.time()
    p = flowaudit(audit_args(capture, site) + ["--events", "syslog+tcp://127.0.0.1:%d" % dead])
    took = time.time() - t0
    tap.ok(p.returncode == 1 and took < 10,
           "collector down: the audit ends (%.1f s) with its findings' exit status" % took,
           "exit %d" % p.returncode)
    tap.ok(summary_count(p.stderr) == (0, len(want)) and
           ("%d dropped" % len(want)) in p.stderr.decode(),
           "collector down: the summary says 0 of %d sent, %d dropped" % (len(want), len(want)),
           p.stderr.decode()[-400:])
    shutil.rmtree(work, ignore_errors=True)
    print("# UDP: %d events sent, %d received; TCP: %d sent, %d received"
          % (totals["udp"][0], totals["udp"][1], totals["tcp"][0], totals["tcp"][1]))
    tap.ok(totals["udp"][0] == totals["udp"][1] and totals["tcp"][0] == totals["tcp"][1],
           "events sent = events received over UDP (%d) and TCP (%d)"
           % (totals["udp"][0], totals["tcp"][0]))
    tap.done()


main()

#!/usr/bin/env python3
"""`flowaudit suggest` as a command: help, exit statuses, -o and
--evidence, and host names from traffic escaped in the evidence.

The hostile capture is written here: a licence server reached on
tcp/13667 by two hosts, one of which a public client and the licence
server's health scan reach over HTTP with a Host header holding
Markdown, HTML and a terminal escape. That host becomes the Mobile
Service, and its evidence cites the name: the text report must show the
escape as \\x1b, the Markdown report must keep every character text.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("SRCDIR", ".")
sys.path.insert(0, os.path.join(SRCDIR, "tests", "crosscheck"))
from common import Tap  # noqa: E402

FLOWAUDIT = os.environ["FLOWAUDIT"]
FIXTURES = os.environ["FIXTURES"]
MATRIX = os.path.join(SRCDIR, "rules", "speechexec-enterprise.json")
HOSTILE = b"x|y*_[a](b)<script>alert(1)</script>\x1b[31m.example"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def frame(src, dst, sport, dport, flags, seq, ack, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp + payload)) + tcp[18:]
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0, 64, 6, 0, ip4(src), ip4(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + b"\x08\x00"
    return eth + ip + tcp + payload


def session(pkts, t, client, server, sport, dport, request, reply):
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    c, s = 1000, 5000
    seq = [(client, server, sport, dport, SYN, c, 0, b""),
           (server, client, dport, sport, SYN | ACK, s, c + 1, b""),
           (client, server, sport, dport, ACK, c + 1, s + 1, b""),
           (client, server, sport, dport, PSH | ACK, c + 1, s + 1, request),
           (server, client, dport, sport, PSH | ACK, s + 1, c + 1 + len(request), reply),
           (client, server, sport, dport, FIN | ACK, c + 1 + len(request),
            s + 1 + len(reply), b""),
           (server, client, dport, sport, FIN | ACK, s + 1 + len(reply),
            c + 2 + len(request), b""),
           (client, server, sport, dport, ACK, c + 2 + len(request),
            s + 2 + len(reply), b"")]
    for i, p in enumerate(seq):
        pkts.append((t + i * 0.001, frame(*p)))


def write_pcap(path):
    pkts = []
    http = b"GET / HTTP/1.1\r\nHost: " + HOSTILE + b"\r\nUser-Agent: t\r\n\r\n"
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    lic, lic_reply = b"\x01\x02licence?", b"\x03\x04granted"
    session(pkts, 1700000000.0, "203.0.113.7", "10.1.0.20", 40000, 80, http, ok)
    session(pkts, 1700000001.0, "10.1.0.10", "10.1.0.20", 40001, 80, http, ok)
    session(pkts, 1700000002.0, "10.1.0.20", "10.1.0.10", 40002, 13667, lic, lic_reply)
    session(pkts, 1700000003.0, "10.1.0.21", "10.1.0.10", 40003, 13667, lic, lic_reply)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t, data in pkts:
            f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(data), len(data)))
            f.write(data)


def run(*args):
    return subprocess.run([FLOWAUDIT, "suggest", "-q", "--matrix", MATRIX] + list(args),
                          capture_output=True)


tap = Tap()
work = tempfile.mkdtemp(prefix="flowaudit-suggest-cli-")
healthy = os.path.join(FIXTURES, "healthy-separate.pcap")

p = subprocess.run([FLOWAUDIT, "suggest", "--help"], capture_output=True, text=True)
# The installed matrix's path is as long as the prefix makes it.
width = max(len(line) for line in p.stdout.splitlines() if ".json)" not in line)
tap.ok(p.returncode == 0 and "Exit status" in p.stdout and width <= 80,
       "--help: exit 0, exit statuses, at most 80 columns (%d)" % width, p.stdout)
p = subprocess.run([FLOWAUDIT, "--help"], capture_output=True, text=True)
tap.ok("suggest" in p.stdout, "flowaudit --help lists suggest")

p = run()
tap.ok(p.returncode == 2, "no capture: exit 2 (%d)" % p.returncode, p.stderr)
p = run("--bogus", healthy)
tap.ok(p.returncode == 2, "an unknown option: exit 2 (%d)" % p.returncode, p.stderr)
missing = os.path.join(work, "no-such.pcap")
p = run(missing)
tap.ok(p.returncode == 2 and missing.encode() in p.stderr and not p.stdout,
       "an unreadable capture: exit 2 naming it, nothing written (%d)" % p.returncode,
       p.stderr)
p = run("--matrix", os.path.join(work, "no-matrix.json"), healthy)
tap.ok(p.returncode == 2 and b"no-matrix.json" in p.stderr,
       "an unreadable matrix: exit 2 naming it (%d)" % p.returncode, p.stderr)
same = os.path.join(work, "same")
p = run("-o", same, "--evidence", same, healthy)
tap.ok(p.returncode == 2 and not os.path.exists(same),
       "-o and --evidence naming one file: exit 2, nothing written", p.stderr)

site, md = os.path.join(work, "site.json"), os.path.join(work, "evidence.md")
p = run("--site-name", 'Clinic "A"', "-o", site, "--evidence", md, healthy)
doc = json.load(open(site)) if os.path.exists(site) else {}
tap.ok(p.returncode == 0 and doc.get("name") == 'Clinic "A"' and
       doc.get("roles", {}).get("license_server") == ["10.1.0.10"],
       "-o writes the site, named by --site-name", p.stderr)
text = open(md).read() if os.path.exists(md) else ""
tap.ok(text.startswith('# Proposed site: Clinic "A"') and "| license\\_server | 10.1.0.10 | high |"
       in text, "--evidence writes the Markdown evidence beside it", text[:800])
first = run(healthy).stdout
tap.ok(first == run("--threads", "1", healthy).stdout and
       first == run("--threads", "2", healthy).stdout and
       first == run("--threads", "4", healthy).stdout and
       first == subprocess.run([FLOWAUDIT, "suggest", "-q", "--matrix", MATRIX, healthy],
                               capture_output=True,
                               env=dict(os.environ, FLOWAUDIT_HASH_SEED="1f")).stdout,
       "the same site for one thread, 2 and 4 workers, and another hash key")

cap = os.path.join(work, "hostile.pcap")
write_pcap(cap)
p = run("--format", "text", cap)
out = p.stdout.decode(errors="replace")
tap.ok(p.returncode == 0 and "mobile_service  10.1.0.20" in out,
       "the hand-made capture makes 10.1.0.20 the Mobile Service", out + p.stderr.decode())
tap.ok(b"\x1b" not in p.stdout and "\\x1b[31m" in out,
       "text evidence: the terminal escape in the host name shown as \\x1b", out)
p = run("--format", "markdown", cap)
out = p.stdout.decode(errors="replace")
tap.ok(b"\x1b" not in p.stdout and "<script>" not in out and "\\<script\\>" in out
       and "x\\|y\\*\\_\\[a\\](b)" in out,
       "Markdown evidence: the name stays text (no raw <, |, *, _, [ or escape)", out)
p = run(cap)
tap.ok(p.returncode == 0 and json.loads(p.stdout)["roles"].get("mobile_service") == ["10.1.0.20"]
       and b"<script" not in p.stdout, "the site itself holds no traffic text")
tap.done()

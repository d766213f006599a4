"""Seed corpora for the fuzz targets, from the project's own files.

    python3 tests/fuzz/make_seeds.py FIXTURES_DIR OUTDIR

(tests/fuzz/make-seeds.sh runs this.) FIXTURES_DIR holds the fixture
captures `fixturegen --all DIR` makes (build/pcaps/fixtures). Writes
OUTDIR/<target>/<sha1> for each target:

  fuzz_decode   every frame of every fixture alone, and runs of up to 16
                consecutive frames, in fuzz_decode's format: a selector
                byte naming the link type, then 2-byte lengths and frames
  fuzz_dns      DNS messages of the fixtures: UDP payloads to or from port
                53 (bare, and with the 2-byte TCP length prefix) and TCP
                port 53 segment payloads
  fuzz_matrix   rules/*.json (the shipped matrix) as written and compact,
                tests/data/matrices/*, the matrix example of docs/matrix-format.md
  fuzz_site     tests/e2e/sites/*, tests/data/sites/*, the golden cases'
                site.json files, pcaps/demo-site.json, the site example
                of docs/site-format.md
  fuzz_capture  every fixture capture of at most 64 KiB, whole

Classic pcap (micro- and nanosecond, either byte order) and pcapng are
read here with the standard library only.
"""
import glob
import hashlib
import json
import re
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
# fuzz_decode.c's linktypes[], by index (libpcap LINKTYPE_ values; 101 is
# LINKTYPE_RAW, 12 DLT_RAW as some systems write it).
LINKTYPES = [1, 113, 276, 0, 108, 12, 101, 228, 229, 9]
RUN = 16             # frames in a run seed
MAX_FRAMES = 200     # frames taken from one fixture
MAX_CAPTURE = 65536  # bytes of a whole-capture seed
MAX_FRAME = 0x7ffe   # fuzz_decode's 15-bit frame length (0x7fff: the rest)


def pcap_frames(data):
    """[(linktype, frame)] of a classic pcap file, None if it is not one."""
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return None
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x03ffffff
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        off += 16
        if incl > len(data) - off:
            break
        frames.append((linktype, data[off:off + incl]))
        off += incl
    return frames


def pcapng_frames(data):
    """[(linktype, frame)] of a pcapng file, None if it is not one."""
    if len(data) < 12 or data[:4] != b"\x0a\x0d\x0d\x0a":
        return None
    frames, ifaces, off, end = [], [], 0, "<"
    while off + 12 <= len(data):
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":  # section header
            end = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        btype, blen = struct.unpack(end + "II", data[off:off + 8])
        if blen < 12 or blen % 4 or off + blen > len(data):
            break
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            ifaces.append(struct.unpack(end + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            iface, _, _, cap = struct.unpack(end + "IIII", body[:16])
            if iface < len(ifaces):
                frames.append((ifaces[iface], body[20:20 + cap]))
        elif btype == 3 and len(body) >= 4 and ifaces:  # simple packet
            frames.append((ifaces[0], body[4:]))
        off += blen
    return frames


def ip_payload(linktype, fr):
    """(proto, src port, dst port, payload) of an IPv4/IPv6 TCP or UDP
    frame of a common link type, or None: enough to find DNS."""
    if linktype == 1:
        off, etype = 12, None
        while off + 2 <= len(fr):
            etype = struct.unpack(">H", fr[off:off + 2])[0]
            if etype in (0x8100, 0x88a8):
                off += 4
                continue
            off += 2
            break
    elif linktype == 113 and len(fr) >= 16:
        etype, off = struct.unpack(">H", fr[14:16])[0], 16
    elif linktype == 276 and len(fr) >= 20:
        etype, off = struct.unpack(">H", fr[0:2])[0], 20
    elif linktype in (0, 108) and len(fr) >= 4:
        etype, off = None, 4
    elif linktype in (12, 101, 228, 229):
        etype, off = None, 0
    else:
        return None
    ip = fr[off:]
    if not ip or (etype not in (None, 0x0800, 0x86dd)):
        return None
    if ip[0] >> 4 == 4 and len(ip) >= 20:
        proto, l4 = ip[9], ip[(ip[0] & 15) * 4:]
    elif ip[0] >> 4 == 6 and len(ip) >= 40:
        proto, l4 = ip[6], ip[40:]
    else:
        return None
    if proto == 17 and len(l4) >= 8:
        sport, dport = struct.unpack(">HH", l4[:4])
        return proto, sport, dport, l4[8:]
    if proto == 6 and len(l4) >= 20:
        sport, dport = struct.unpack(">HH", l4[:4])
        return proto, sport, dport, l4[(l4[12] >> 4) * 4:]
    return None


def put(outdir, target, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)


def decode_seed(linktype, frames):
    out = bytes([LINKTYPES.index(linktype)])
    for fr in frames:
        fr = fr[:MAX_FRAME]
        out += struct.pack(">H", len(fr)) + fr
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make_seeds.py FIXTURES_DIR OUTDIR")
    fixtures, outdir = sys.argv[1], sys.argv[2]
    captures = 0
    for name in sorted(os.listdir(fixtures)):
        path = os.path.join(fixtures, name)
        if not os.path.isfile(path) or name.startswith("."):
            continue
        with open(path, "rb") as f:
            data = f.read()
        if len(data) <= MAX_CAPTURE:
            put(outdir, "fuzz_capture", data)
        frames = pcap_frames(data)
        if frames is None:
            frames = pcapng_frames(data)
        if not frames:
            continue
        captures += 1
        frames = frames[:MAX_FRAMES]
        for linktype, fr in frames:
            if linktype in LINKTYPES:
                put(outdir, "fuzz_decode", decode_seed(linktype, [fr]))
        for i in range(0, len(frames), RUN):
            run = frames[i:i + RUN]
            if len({lt for lt, _ in run}) == 1 and run[0][0] in LINKTYPES:
                put(outdir, "fuzz_decode", decode_seed(run[0][0], [fr for _, fr in run]))
        for linktype, fr in frames:
            got = ip_payload(linktype, fr)
            if not got or 53 not in got[1:3] or not got[3]:
                continue
            proto, _, _, payload = got
            if proto == 17:
                put(outdir, "fuzz_dns", payload)
                put(outdir, "fuzz_dns", struct.pack(">H", len(payload)) + payload)
            else:
                put(outdir, "fuzz_dns", payload)
    if not captures:
        sys.exit("make_seeds.py: no capture in %s (run fixturegen --all %s)" %
                 (fixtures, fixtures))
    for pattern in ("rules/*.json", "tests/data/matrices/*"):
        for path in sorted(glob.glob(os.path.join(SRC, pattern))):
            with open(path, "rb") as f:
                text = f.read()
            put(outdir, "fuzz_matrix", text)
            try:  # the same without layout: shorter, quicker to mutate
                put(outdir, "fuzz_matrix", json.dumps(
                    json.loads(text), separators=(",", ":")).encode())
            except ValueError:
                pass
    for doc in ("matrix-format.md", "site-format.md"):
        with open(os.path.join(SRC, "docs", doc), "rb") as f:
            for block in re.findall(rb"```json\n(.*?)```", f.read(), re.S):
                put(outdir, "fuzz_matrix" if b"flowaudit-matrix/" in block
                    else "fuzz_site", block)
    for pattern in ("tests/e2e/sites/*", "tests/data/sites/*",
                    "tests/e2e/cases/*/site.json", "pcaps/demo-site.json"):
        for path in sorted(glob.glob(os.path.join(SRC, pattern))):
            with open(path, "rb") as f:
                put(outdir, "fuzz_site", f.read())
    for target in sorted(os.listdir(outdir)):
        print("%s: %d seeds" % (target, len(os.listdir(os.path.join(outdir, target)))))


main()

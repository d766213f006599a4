"""Seed corpora for the fuzz targets, from the project's own fixtures.

    python3 tests/fuzz/make_seeds.py FIXTURES_DIR OUTDIR

Writes OUTDIR/<target>/ for each target: frames of every fixture capture
(with the link-type selector byte fuzz_decode reads), the DNS payloads of
the DNS fixtures, the shipped matrix and the test sites, and the small
fixture captures whole. Standard library only.
"""
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
# fuzz_decode's table, by index: libpcap link types.
LINKTYPES = [1, 113, 276, 0, 108, 12, 101, 228, 229, 9]


def pcap_records(path):
    """(linktype, [frame bytes]) of a classic pcap file; None otherwise."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return None
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0fffffff
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        off += 16
        if incl > len(data) - off:
            break
        frames.append(data[off:off + incl])
        off += incl
    return linktype, frames


def udp53_payloads(frames):
    """DNS payloads of Ethernet/IPv4/UDP frames to or from port 53."""
    out = []
    for fr in frames:
        if len(fr) < 42 or fr[12:14] != b"\x08\x00":
            continue
        ihl = (fr[14] & 15) * 4
        if fr[23] != 17:
            continue
        udp = 14 + ihl
        sport, dport = struct.unpack(">HH", fr[udp:udp + 4])
        if 53 in (sport, dport):
            out.append(fr[udp + 8:])
    return out


def put(outdir, target, data):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    fixtures, outdir = sys.argv[1], sys.argv[2]
    for name in sorted(os.listdir(fixtures)):
        path = os.path.join(fixtures, name)
        if not os.path.isfile(path):
            continue
        if os.path.getsize(path) <= 65536:
            with open(path, "rb") as f:
                put(outdir, "fuzz_capture", f.read())
        rec = pcap_records(path)
        if not rec:
            continue
        linktype, frames = rec
        if linktype in LINKTYPES:
            sel = bytes([LINKTYPES.index(linktype)])
            for i in range(0, len(frames), 8):
                seed = sel + b"".join(struct.pack(">H", len(fr)) + fr
                                      for fr in frames[i:i + 8])
                put(outdir, "fuzz_decode", seed[:8192])
        for payload in udp53_payloads(frames):
            put(outdir, "fuzz_dns", payload)
            put(outdir, "fuzz_dns", struct.pack(">H", len(payload)) + payload)
    put(outdir, "fuzz_rules", b"\x01" + open(os.path.join(
        SRC, "rules", "speechexec-enterprise.json"), "rb").read())
    for d in ("tests/e2e/sites", "tests/data/sites"):
        for name in sorted(os.listdir(os.path.join(SRC, d))):
            with open(os.path.join(SRC, d, name), "rb") as f:
                put(outdir, "fuzz_rules", b"\x00" + f.read())
    put(outdir, "fuzz_rules", b"\x00" + open(os.path.join(SRC, "pcaps", "demo-site.json"),
                                              "rb").read())


main()

#!/usr/bin/env python3
"""pcaps/collisions.py - captures that collide in flowaudit's hash tables as
they were before they were keyed (issue 14), and random ones to compare.

    pcaps/collisions.py flows (--crafted | --random) -n N -o OUT.pcap
    pcaps/collisions.py dns   (--crafted | --random) -n N -o OUT.pcap

flows: N TCP SYNs over IPv6 from one /64 to one server's port 443, each its
own flow. --crafted picks each source's interface id so that the old flow
table hash (mix64 chained over the key's six 64-bit words, no key) puts
every flow on the same home position of the index, whatever its size up to
2^21 (the default --max-flows' index): mix64 is a bijection, so the last
address word that makes a wanted hash is found by running it backwards, no
trials needed. Every insert then walks all the flows before it.

dns: N AAAA answers, 50 to a response (no queries: answers alone are
learnt), all for one name. --crafted gives addresses whose old name index
hash, (w0 ^ w1 * K) mixed, is one value: one bucket chain holds them all.

--random draws the same shapes from a seeded generator. The bench
(bench/collisions) times both against the old and the new build; the keyed
SipHash of the new one makes the crafted sets no worse than random ones.
"""
import argparse
import random
import struct
import sys

M64 = (1 << 64) - 1
GOLDEN = 0x9e3779b97f4a7c15
MIX_C1 = 0xff51afd7ed558ccd
MIX_C2 = 0xc4ceb9fe1a85ec53
INV_C1 = pow(MIX_C1, -1, 1 << 64)
INV_C2 = pow(MIX_C2, -1, 1 << 64)

# The home position shared by the crafted flows: the low 21 bits of the
# index tag (the hash's high half), so every index size up to 2^21 agrees.
HOME_BITS = 21
HOME = 0x0b5e1


def mix64(x):
    x ^= x >> 33
    x = (x * MIX_C1) & M64
    x ^= x >> 33
    x = (x * MIX_C2) & M64
    x ^= x >> 33
    return x


def unmix64(x):
    # x ^= x >> 33 is its own inverse on 64 bits; the products have inverses.
    x ^= x >> 33
    x = (x * INV_C2) & M64
    x ^= x >> 33
    x = (x * INV_C1) & M64
    x ^= x >> 33
    return x


def old_key_hash(words):
    h = GOLDEN
    for w in words:
        h = mix64(h ^ w)
    return h


def le64(b):
    return int.from_bytes(b, "little")


SERVER6 = bytes.fromhex("20010db8000000000000000000000010")
CLIENT_NET6 = bytes.fromhex("20010db8ffff0001")   # the sender's /64
SERVER_PORT = 443


def key_words(client_iid, client_port):
    """The old flow key's words for a SYN from CLIENT_NET6:iid to the
    server: the server's address sorts lower, so it is side 0."""
    w4 = SERVER_PORT | client_port << 16 | 6 << 32 | 6 << 40  # proto, version
    return [le64(SERVER6[:8]), le64(SERVER6[8:]), le64(CLIENT_NET6), client_iid,
            w4, 0]  # w5: no VLAN, no tunnel


def crafted_iid(i, client_port):
    """The interface id that gives flow i the shared home position; the
    tag's other bits and the hash's low half come from i, so the keys differ."""
    target = ((i & 0x7ff) << 53) | (HOME << 32) | ((i >> 11) & 0xffffffff)
    w = key_words(0, client_port)
    h5 = unmix64(target) ^ w[5]
    h4 = unmix64(h5) ^ w[4]
    h3 = GOLDEN
    for x in w[:3]:
        h3 = mix64(h3 ^ x)
    iid = unmix64(h4) ^ h3
    assert old_key_hash(key_words(iid, client_port)) == target
    return iid


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ether(ethertype, payload):
    return b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + struct.pack("!H", ethertype) + payload


def ipv6_tcp_syn(src, dst, sport, dport, seq):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = src + dst + struct.pack("!I3xB", len(tcp), 6)
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src + dst
    return ether(0x86DD, ip + tcp)


def ipv4_udp(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 17, len(udp))
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xffff) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     src, dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ether(0x0800, ip + udp)


QNAME = b"\x07crafted\x07example\x00"


def dns_response(qid, addrs):
    head = struct.pack("!HHHHHH", qid, 0x8180, 1, len(addrs), 0, 0)
    question = QNAME + struct.pack("!HH", 28, 1)
    answers = b"".join(struct.pack("!HHHIH", 0xC00C, 28, 1, 300, 16) + a for a in addrs)
    return head + question + answers


def crafted_v6(i):
    """Addresses whose old name index hash is one value: w0 ^ w1 * K fixed."""
    w1 = 0x1000000000000000 + i
    w0 = 0x000000000DB80120 ^ ((w1 * GOLDEN) & M64)
    return w0.to_bytes(8, "little") + w1.to_bytes(8, "little")


def flow_packets(n, crafted, rng):
    for i in range(n):
        port = 1024 + i % 64000
        iid = crafted_iid(i, port) if crafted else rng.getrandbits(64)
        src = CLIENT_NET6 + iid.to_bytes(8, "little")
        yield ipv6_tcp_syn(src, SERVER6, port, SERVER_PORT, rng.getrandbits(32))


def dns_packets(n, crafted, rng, per_response=50):
    resolver, client = bytes([192, 0, 2, 53]), bytes([192, 0, 2, 10])
    for r in range(0, n, per_response):
        count = min(per_response, n - r)
        addrs = [crafted_v6(r + j) if crafted else rng.getrandbits(128).to_bytes(16, "big")
                 for j in range(count)]
        payload = dns_response(r // per_response & 0xffff, addrs)
        yield ipv4_udp(resolver, client, 53, 20000 + (r // per_response) % 40000, payload)


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        t = 1_700_000_000 * 1_000_000
        for frame in frames:
            t += 10  # 100,000 packets a second: nothing times out
            f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000,
                                len(frame), len(frame)))
            f.write(frame)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("table", choices=("flows", "dns"))
    kind = ap.add_mutually_exclusive_group(required=True)
    kind.add_argument("--crafted", action="store_true")
    kind.add_argument("--random", action="store_true")
    ap.add_argument("-n", type=int, required=True, help="flows, or AAAA answers")
    ap.add_argument("-o", required=True, help="output pcap")
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    make = flow_packets if a.table == "flows" else dns_packets
    write_pcap(a.o, make(a.n, a.crafted, rng))
    return 0


if __name__ == "__main__":
    sys.exit(main())

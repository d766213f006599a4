#!/usr/bin/env python3
"""peer.py - the lab's servers and clients (tests/lab/lab.sh runs them in
its network namespaces).

  peer.py listen READY SPEC...   TCP listeners, SPEC = ADDR:PORT[:KIND];
                                 KIND http answers an HTTP request, ssh
                                 sends an SSH banner, anything else a line;
                                 writes READY once every socket is bound
                                 and serves until killed
  peer.py run ACTION...          client connections, all at once; one
                                 result line per ACTION, in order:
      tcp:SRC:DST:PORT[:TEXT]    connect from SRC, send TEXT, read a reply
      http:SRC:DST:PORT          an HTTP GET
      ssh:SRC:DST:PORT           an SSH client banner
      tls:SRC:DST:PORT:SNI       a TLS handshake naming SNI, then a GET
      dns:SRC:SERVER:NAME        an A query over UDP; prints the answer's
                                 names and address
Every wait is bounded: connections give up after CONNECT_TIMEOUT seconds
(2.5 s: a dropped SYN is sent twice, at 0 s and 1 s, so the capture proves
it unanswered), replies after 2 s.
"""
import socket
import ssl
import struct
import sys
import threading

CONNECT_TIMEOUT = 2.5
REPLY_TIMEOUT = 2.0


def serve_one(conn, kind):
    """Answers one connection the way its service would, briefly."""
    conn.settimeout(REPLY_TIMEOUT)
    try:
        if kind == "ssh":
            conn.sendall(b"SSH-2.0-lab\r\n")
        data = conn.recv(4096)
        if kind == "http":
            body = b"lab\n"
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        elif kind != "ssh" and data:
            conn.sendall(b"ok\n")
    except OSError:
        pass
    finally:
        conn.close()


def accept_loop(sock, kind):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=serve_one, args=(conn, kind), daemon=True).start()


def listen(ready, specs):
    threads = []
    for spec in specs:
        parts = spec.split(":")
        addr, port = parts[0], int(parts[1])
        kind = parts[2] if len(parts) > 2 else "line"
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((addr, port))
        sock.listen(64)
        t = threading.Thread(target=accept_loop, args=(sock, kind), daemon=True)
        t.start()
        threads.append(t)
    with open(ready, "w") as f:
        f.write("ready\n")
    for t in threads:
        t.join()


def tcp_exchange(src, dst, port, payload, wrap=None):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    sock.bind((src, 0))
    try:
        sock.connect((dst, int(port)))
        sock.settimeout(REPLY_TIMEOUT)
        if wrap:
            sock = wrap(sock)
        if payload:
            sock.sendall(payload)
        reply = sock.recv(4096)
        return "connected, %d bytes back" % len(reply)
    except socket.timeout:
        return "timed out"
    except ConnectionRefusedError:
        return "refused"
    except OSError as e:
        return "failed: %s" % (e.strerror or e)
    finally:
        sock.close()


def tls_wrap(sni):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # The lab's certificates are made per run; the handshake, not the
    # trust, is what the capture is to show.
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return lambda sock: ctx.wrap_socket(sock, server_hostname=sni)


def dns_name(data, off):
    """Reads a (possibly compressed) name; returns it and the offset after."""
    labels, end = [], None
    for _ in range(64):
        n = data[off]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | data[off + 1]
            continue
        if n == 0:
            return ".".join(labels), (end if end is not None else off + 1)
        labels.append(data[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    raise ValueError("name too long")


def dns_lookup(src, server, name):
    query = struct.pack(">HHHHHH", 0x4c41, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        query += bytes([len(label)]) + label.encode()
    query += b"\0" + struct.pack(">HH", 1, 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(REPLY_TIMEOUT)
    sock.bind((src, 0))
    try:
        sock.sendto(query, (server, 53))
        data, _ = sock.recvfrom(4096)
    except socket.timeout:
        return "timed out"
    finally:
        sock.close()
    _, flags, qd, an, _, _ = struct.unpack(">HHHHHH", data[:12])
    off = 12
    for _ in range(qd):
        _, off = dns_name(data, off)
        off += 4
    answers = []
    for _ in range(an):
        _, off = dns_name(data, off)
        rtype, _, _, rdlen = struct.unpack(">HHIH", data[off:off + 10])
        off += 10
        if rtype == 5:
            answers.append("CNAME " + dns_name(data, off)[0])
        elif rtype == 1:
            answers.append("A " + socket.inet_ntoa(data[off:off + 4]))
        off += rdlen
    return "rcode %d: %s" % (flags & 0xF, ", ".join(answers))


def act(action):
    kind, rest = action.split(":", 1)
    if kind == "dns":
        src, server, name = rest.split(":")
        return dns_lookup(src, server, name)
    parts = rest.split(":", 3)
    src, dst, port = parts[:3]
    extra = parts[3] if len(parts) > 3 else ""
    if kind == "tcp":
        return tcp_exchange(src, dst, port, extra.encode() + b"\n")
    if kind == "http":
        req = "GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % dst
        return tcp_exchange(src, dst, port, req.encode())
    if kind == "ssh":
        return tcp_exchange(src, dst, port, b"SSH-2.0-OpenSSH_9.2\r\n")
    if kind == "tls":
        req = "GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % extra
        return tcp_exchange(src, dst, port, req.encode(), tls_wrap(extra))
    return "unknown action"


def run(actions):
    results = [None] * len(actions)

    def one(i):
        try:
            results[i] = act(actions[i])
        except Exception as e:  # a result line even for a broken action
            results[i] = "error: %s" % e
    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(CONNECT_TIMEOUT + 2 * REPLY_TIMEOUT + 1)
    for action, result in zip(actions, results):
        print("%s -> %s" % (action, result))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "run":
        run(sys.argv[2:])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()

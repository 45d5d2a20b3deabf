"""A name server for the tests: UDP on 127.0.0.1 (a free port), answering the A and AAAA
questions of the names a test gives it, with the TTLs and delays it chose, NXDOMAIN for
every other name, and counting each question it receives. Standard library only."""

import socket
import struct
import threading
import time

TYPE_A = 1
TYPE_AAAA = 28
CLASS_IN = 1
RCODE_NXDOMAIN = 3
TYPE_NAMES = {TYPE_A: "A", TYPE_AAAA: "AAAA"}


class _Name:
    def __init__(self, a, aaaa, ttl, delay, silent):
        self.records = {TYPE_A: [socket.inet_pton(socket.AF_INET, ip) for ip in a],
                        TYPE_AAAA: [socket.inet_pton(socket.AF_INET6, ip) for ip in aaaa]}
        self.ttl = ttl
        self.delay = delay
        self.silent = silent


def _parse_question(packet):
    """(id, flags, name, qtype, the question section's bytes) of a query."""
    qid, flags, qdcount = struct.unpack("!HHH", packet[:6])
    if qdcount != 1:
        raise ValueError("one question expected")
    pos = 12
    labels = []
    while packet[pos] != 0:
        length = packet[pos]
        if length & 0xC0:
            raise ValueError("a compressed question")
        labels.append(packet[pos + 1:pos + 1 + length].decode("ascii"))
        pos += 1 + length
    pos += 1
    qtype, _qclass = struct.unpack("!HH", packet[pos:pos + 4])
    return qid, flags, ".".join(labels).lower(), qtype, packet[12:pos + 4]


def _response(qid, flags, question, qtype, rcode, records, ttl):
    # QR, the query's opcode and RD echoed, AA and RA set.
    out_flags = 0x8000 | (flags & 0x7900) | 0x0400 | 0x0080 | rcode
    out = struct.pack("!HHHHHH", qid, out_flags, 1, len(records), 0, 0) + question
    for rdata in records:
        # The owner name points at the question's (offset 12).
        out += struct.pack("!HHHIH", 0xC00C, qtype, CLASS_IN, ttl, len(rdata)) + rdata
    return out


class DnsServer:
    """Answers on 127.0.0.1:`port` until close(); `address` is its "ip:port" for
    upstream.dns.servers. Delayed answers go out from timers, so a slow name never holds
    up the answers for others."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self._names = {}
        self._questions = []  # (name, "A" | "AAAA" | number, time.monotonic())
        self._timers = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def add(self, name, a=(), aaaa=(), ttl=60, delay=0.0, silent=False):
        """Answers `name` with these addresses and TTL, `delay` seconds after each
        question; a `silent` name is never answered."""
        with self._lock:
            self._names[name.lower()] = _Name(a, aaaa, ttl, delay, silent)

    def questions(self, name, qtype=None):
        """How many questions for `name` arrived ("A", "AAAA", or either when None)."""
        with self._lock:
            return sum(1 for asked, kind, _ in self._questions
                       if asked == name.lower() and (qtype is None or kind == qtype))

    def close(self):
        self._stopping.set()
        self._thread.join(timeout=5)
        with self._lock:
            for timer in self._timers:
                timer.cancel()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _serve(self):
        while not self._stopping.is_set():
            try:
                packet, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                qid, flags, name, qtype, question = _parse_question(packet)
            except (ValueError, IndexError, UnicodeDecodeError, struct.error):
                continue
            with self._lock:
                self._questions.append((name, TYPE_NAMES.get(qtype, qtype), time.monotonic()))
                entry = self._names.get(name)
            if entry is None:
                self._send(_response(qid, flags, question, qtype, RCODE_NXDOMAIN, [], 0), peer)
                continue
            if entry.silent:
                continue
            reply = _response(qid, flags, question, qtype, 0, entry.records.get(qtype, []),
                              entry.ttl)
            if entry.delay > 0:
                timer = threading.Timer(entry.delay, self._send, (reply, peer))
                timer.daemon = True
                with self._lock:
                    self._timers.append(timer)
                timer.start()
            else:
                self._send(reply, peer)

    def _send(self, reply, peer):
        try:
            self.sock.sendto(reply, peer)
        except OSError:
            pass  # closed while a delayed answer was due

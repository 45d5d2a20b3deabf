"""PROXY protocol on the listener (server.proxy_protocol) with the real binary: v1 TCP4,
TCP6 and UNKNOWN, v2 TCP4, TCP6 (with TLVs) and LOCAL; the reported client is the one
the access log, access_policy's client_allow, max_connections_per_ip and the admin
routes see, and the balancer is `peer_ip`; a peer outside `trusted` is closed and
counted even when it sends a valid header; a trusted peer that sends no header, a late
one, a malformed or a truncated one is closed, counted, and the proxy keeps serving;
with the mode off nothing changes. Real HAProxy (`send-proxy-v2` and `send-proxy` in
`mode tcp`) in front of the binary, with a client bound to 127.0.0.2, shows interop."""

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import textwrap
import time
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, request_bytes
from origins import FIXED_BODY
from proxytest import free_port, stop_process

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"
SCRAPE = b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\n\r\n"


def v1(protocol, source, destination, source_port, destination_port):
    return (f"PROXY {protocol} {source} {destination} {source_port} "
            f"{destination_port}\r\n").encode("ascii")


def v2(version_command, family, payload):
    return V2_SIGNATURE + bytes([version_command, family]) + struct.pack(">H", len(payload)) \
        + payload


def v2_proxy(source, destination, source_port, destination_port, tlvs=b""):
    """A v2 PROXY command over TCP for the family of `source`."""
    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    payload = socket.inet_pton(family, source) + socket.inet_pton(family, destination) \
        + struct.pack(">HH", source_port, destination_port) + tlvs
    return v2(0x21, 0x21 if family == socket.AF_INET6 else 0x11, payload)


V2_LOCAL = v2(0x20, 0x00, b"")  # what a balancer's health check sends


def tlv(kind, value):
    return struct.pack(">BH", kind, len(value)) + value


def skip_unless_127_0_0_2_usable(test):
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.2", 0))
    except OSError:
        test.skipTest("127.0.0.2 not usable")


def metric(text, name):
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    if match is None:
        raise AssertionError(f"{name} not in the page:\n{text}")
    return float(match.group(1))


class ProxyProtocolTestCase(ForwardProxyTestCase):
    PLUGINS = ("http_parser", "metrics", "json_log")

    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.log_path = os.path.join(self.configs.path, "access.log")

    def start_balanced(self, trusted=("127.0.0.0/8",), timeout=2, mode="required",
                       enabled=None, settings=None, server=None, admin=None):
        """The proxy behind a balancer: json_log writes to self.log_path, and the reported
        clients may reach the loopback origin (local_destinations: any)."""
        plugin_settings = {"json_log": {"path": self.log_path, "flush_interval_ms": 10}}
        plugin_settings.update(settings or {})
        proxy_protocol = {"mode": mode, "trusted": list(trusted), "timeout": timeout}
        # JSON is YAML's flow style.
        server_keys = {"proxy_protocol": json.dumps(proxy_protocol), **(server or {})}
        return self.start_proxy(server=server_keys, enabled=enabled or self.PLUGINS,
                                settings=plugin_settings, admin=admin,
                                upstream={"local_destinations": "any"})

    def connect_from(self, proxy, source_ip="127.0.0.1"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        try:
            sock.bind((source_ip, 0))
            sock.connect(("127.0.0.1", proxy.port))
        except OSError:
            sock.close()
            raise
        conn = Connection.from_socket(sock)
        self.addCleanup(conn.close)
        return conn

    def get_through(self, proxy, header, path="/fixed", source_ip="127.0.0.1"):
        """The header and a request in one write (so nothing but exact reads can keep
        them apart); returns (response, the balancer-side port)."""
        conn = self.connect_from(proxy, source_ip)
        conn.send(header + request_bytes("GET", self.origin.url(path),
                                         headers=[("Connection", "close")]))
        response = conn.read_response()
        self.assertIsNotNone(response, "closed without an answer:\n" + proxy.stderr)
        self.assertTrue(conn.wait_closed(5))
        return response, conn.sock.getsockname()[1]

    def assert_closed_without_answer(self, conn):
        self.assertTrue(conn.wait_closed(5), "the proxy kept the connection open")
        self.assertEqual(bytes(conn.buffer), b"", "the proxy answered")

    def log_lines(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            lines = []
            if os.path.exists(self.log_path):
                with open(self.log_path, "rb") as f:
                    lines = [json.loads(raw) for raw in f.read().splitlines()]
            if len(lines) >= count or time.monotonic() > deadline:
                self.assertEqual(len(lines), count, lines)
                return lines
            time.sleep(0.02)

    def scrape(self, proxy, source_ip="127.0.0.1"):
        """The metrics page, asked for behind a v2 LOCAL header: a health check is served
        as the balancer itself, which admin.allow must cover."""
        conn = self.connect_from(proxy, source_ip)
        conn.send(V2_LOCAL + SCRAPE)
        response = conn.read_response()
        self.assertIsNotNone(response, proxy.stderr)
        self.assertEqual(response.status, 200, response)
        return response.body.decode()


class Version1(ProxyProtocolTestCase):
    def test_tcp4_client_is_the_client_everywhere_and_the_balancer_is_peer_ip(self):
        proxy = self.start_balanced()
        response, balancer_port = self.get_through(
            proxy, v1("TCP4", "192.0.2.1", "198.51.100.2", 40001, proxy.port))
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, FIXED_BODY)
        [line] = self.log_lines(1)
        self.assertEqual((line["client_ip"], line["client_port"]), ("192.0.2.1", 40001))
        self.assertEqual(line["peer_ip"], "127.0.0.1")
        self.assertNotEqual(line["client_port"], balancer_port)
        self.assertEqual(len(self.origin.requests_for("/fixed")), 1)

    def test_tcp6(self):
        proxy = self.start_balanced()
        response, _ = self.get_through(
            proxy, v1("TCP6", "2001:db8::7", "2001:db8::1", 40002, 3128))
        self.assertEqual(response.status, 200)
        [line] = self.log_lines(1)
        self.assertEqual((line["client_ip"], line["client_port"]), ("2001:db8::7", 40002))
        self.assertEqual(line["peer_ip"], "127.0.0.1")

    def test_unknown_is_served_as_the_balancer(self):
        proxy = self.start_balanced()
        response, balancer_port = self.get_through(proxy, b"PROXY UNKNOWN\r\n")
        self.assertEqual(response.status, 200)
        [line] = self.log_lines(1)
        self.assertEqual((line["client_ip"], line["client_port"]),
                         ("127.0.0.1", balancer_port))
        self.assertEqual(line["peer_ip"], "127.0.0.1")

    def test_a_header_in_pieces_then_a_request_later(self):
        proxy = self.start_balanced()
        conn = self.connect_from(proxy)
        header = v1("TCP4", "203.0.113.9", "198.51.100.2", 1234, 443)
        for piece in (header[:9], header[9:30], header[30:-1], header[-1:]):
            conn.send(piece)
            time.sleep(0.05)
        time.sleep(0.2)
        conn.send(request_bytes("GET", self.origin.url("/fixed")))
        response = conn.read_response()
        self.assertEqual(response.status, 200)
        # Keep-alive: the second request on the connection has the same client.
        conn.send(request_bytes("GET", self.origin.url("/fixed"),
                                headers=[("Connection", "close")]))
        self.assertEqual(conn.read_response().status, 200)
        lines = self.log_lines(2)
        self.assertEqual({(line["client_ip"], line["client_port"]) for line in lines},
                         {("203.0.113.9", 1234)})


class Version2(ProxyProtocolTestCase):
    def test_tcp4(self):
        proxy = self.start_balanced()
        response, _ = self.get_through(proxy, v2_proxy("192.0.2.44", "198.51.100.2", 50505, 443))
        self.assertEqual(response.status, 200)
        [line] = self.log_lines(1)
        self.assertEqual((line["client_ip"], line["client_port"], line["peer_ip"]),
                         ("192.0.2.44", 50505, "127.0.0.1"))

    def test_tcp6_with_tlvs(self):
        proxy = self.start_balanced()
        tlvs = tlv(0x01, b"http/1.1") + tlv(0x02, b"example.com") + tlv(0x05, b"x" * 128) \
            + tlv(0x04, b"")
        response, _ = self.get_through(
            proxy, v2_proxy("2001:db8::42", "2001:db8::1", 61000, 443, tlvs))
        self.assertEqual(response.status, 200)
        [line] = self.log_lines(1)
        self.assertEqual((line["client_ip"], line["client_port"]), ("2001:db8::42", 61000))

    def test_local_is_a_health_check_served_as_the_balancer(self):
        proxy = self.start_balanced()
        response, balancer_port = self.get_through(proxy, V2_LOCAL)
        self.assertEqual(response.status, 200)
        [line] = self.log_lines(1)
        self.assertEqual((line["client_ip"], line["client_port"], line["peer_ip"]),
                         ("127.0.0.1", balancer_port, "127.0.0.1"))

    def test_tunnel_bytes_behind_the_header_reach_the_origin_whole(self):
        # Everything after the header is the client's: a CONNECT, and the bytes it sends
        # inside the tunnel at once, all in the header's segment.
        proxy = self.start_balanced(settings={"access_policy": {
            "connect_ports": [self.origin.port], "client_allow": ["192.0.2.0/24"]}},
            enabled=("http_parser", "access_policy", "json_log"))
        conn = self.connect_from(proxy)
        authority = self.origin.authority
        inner = b"GET /fixed HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"
        conn.send(v2_proxy("192.0.2.5", "198.51.100.2", 4444, 443)
                  + f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode()
                  + inner)
        self.assertEqual(conn.read_response("CONNECT").status, 200)
        response = conn.read_response()
        self.assertEqual((response.status, response.body), (200, FIXED_BODY))


class Policy(ProxyProtocolTestCase):
    def test_client_allow_decides_on_the_reported_client(self):
        # 127.0.0.1, the balancer, is not allowed: only the reported client decides.
        proxy = self.start_balanced(
            enabled=("http_parser", "access_policy", "json_log"),
            settings={"access_policy": {"client_allow": ["192.0.2.0/24"]}})
        allowed, _ = self.get_through(proxy, v1("TCP4", "192.0.2.10", "198.51.100.2", 1000, 80))
        self.assertEqual(allowed.status, 200)
        conn = self.connect_from(proxy)
        conn.send(v2_proxy("198.51.100.77", "198.51.100.2", 2000, 80)
                  + request_bytes("GET", self.origin.url("/fixed")))
        self.assert_closed_without_answer(conn)
        lines = self.log_lines(2)
        by_client = {line["client_ip"]: line for line in lines}
        self.assertEqual(by_client["192.0.2.10"]["decision"], "allow")
        refused = by_client["198.51.100.77"]
        self.assertEqual((refused["decision"], refused["plugin"], refused["client_port"],
                          refused["peer_ip"]), ("close", "access_policy", 2000, "127.0.0.1"))
        self.assertEqual(len(self.origin.requests_for("/fixed")), 1)

    def test_a_reported_client_off_loopback_is_not_a_loopback_client(self):
        # local_destinations: loopback_clients must judge the reported client, not the
        # balancer on 127.0.0.1.
        proxy = self.start_proxy(
            server={"proxy_protocol": json.dumps({"mode": "required"})},
            enabled=("http_parser",))
        conn = self.connect_from(proxy)
        conn.send(v1("TCP4", "192.0.2.1", "198.51.100.2", 1, 2)
                  + request_bytes("GET", self.origin.url("/fixed")))
        self.assertEqual(conn.read_response().status, 403)
        conn = self.connect_from(proxy)
        conn.send(v1("TCP4", "127.0.0.9", "127.0.0.1", 1, 2)
                  + request_bytes("GET", self.origin.url("/fixed")))
        self.assertEqual(conn.read_response().status, 200)

    def test_admin_routes_judge_the_reported_client(self):
        proxy = self.start_balanced()
        conn = self.connect_from(proxy)
        conn.send(v1("TCP4", "192.0.2.1", "198.51.100.2", 1, 2) + SCRAPE)
        self.assertEqual(conn.read_response().status, 403)
        self.assertIn("proxy_proxy_protocol_refused_total 0", self.scrape(proxy))

    def test_per_ip_limit_counts_the_reported_client_not_the_balancer(self):
        proxy = self.start_balanced(server={"max_connections_per_ip": 1})
        # Three clients at once through one balancer address: each has its own share.
        held = []
        for last in (1, 2, 3):
            conn = self.connect_from(proxy)
            conn.send(v1("TCP4", f"192.0.2.{last}", "198.51.100.2", 1000 + last, 80))
            held.append(conn)
        for conn in held:
            conn.send(request_bytes("GET", self.origin.url("/fixed")))
            self.assertEqual(conn.read_response().status, 200)
        # A second connection of a client already connected is over its share.
        again = self.connect_from(proxy)
        again.send(v1("TCP4", "192.0.2.2", "198.51.100.2", 2002, 80)
                   + request_bytes("GET", self.origin.url("/fixed")))
        self.assert_closed_without_answer(again)
        page = self.scrape(proxy)
        self.assertEqual(metric(page, "proxy_connections_refused_total"), 1)
        self.assertEqual(metric(page, "proxy_proxy_protocol_refused_total"), 0)


class Refusals(ProxyProtocolTestCase):
    def test_an_untrusted_peer_is_closed_and_counted_even_with_a_valid_header(self):
        skip_unless_127_0_0_2_usable(self)
        proxy = self.start_balanced(trusted=("127.0.0.2/32",), admin={"allow": ["127.0.0.0/8"]})
        conn = self.connect_from(proxy, "127.0.0.1")
        conn.send(v1("TCP4", "192.0.2.1", "198.51.100.2", 1, 2)
                  + request_bytes("GET", self.origin.url("/fixed")))
        self.assert_closed_without_answer(conn)
        conn = self.connect_from(proxy, "127.0.0.1")
        conn.send(v2_proxy("192.0.2.1", "198.51.100.2", 1, 2) + SCRAPE)
        self.assert_closed_without_answer(conn)
        page = self.scrape(proxy, "127.0.0.2")
        self.assertEqual(metric(page, "proxy_proxy_protocol_refused_total"), 2)
        self.assertEqual(metric(page, "proxy_connections_total"), 1)  # the scrape's
        self.assertEqual(self.origin.requests_for("/fixed"), [])
        # No hook saw the refused connections: the one line is the scrape's.
        [line] = self.log_lines(1)
        self.assertEqual((line["client_ip"], line["target"]), ("127.0.0.2", "/_metrics"))

    def test_a_trusted_peer_without_a_header_in_time_is_closed(self):
        proxy = self.start_balanced(timeout=0.5)
        silent = self.connect_from(proxy)
        partial = self.connect_from(proxy)
        partial.send(b"PROXY TCP4 192.0.2.1 198.51")
        started = time.monotonic()
        self.assert_closed_without_answer(silent)
        self.assert_closed_without_answer(partial)
        elapsed = time.monotonic() - started
        self.assertGreater(elapsed, 0.3)
        self.assertLess(elapsed, 3)
        self.assertEqual(metric(self.scrape(proxy), "proxy_proxy_protocol_refused_total"), 2)

    def test_malformed_and_truncated_headers_are_closed_without_a_crash(self):
        proxy = self.start_balanced()
        malformed = [
            request_bytes("GET", self.origin.url("/fixed")),  # no header at all
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS ClientHello
            b"PROXY TCP4 192.0.2.01 198.51.100.2 1 2\r\n",  # leading zero
            b"PROXY TCP4 192.0.2.1 198.51.100.2 1 2\n",  # bare LF
            b"PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n",  # wrong family
            b"PROXY TCP4 192.0.2.1 198.51.100.2 1 65536\r\n",
            b"PROXY UNKNOWN " + b"x" * 120,  # no CRLF within 107 bytes
            v2(0x11, 0x11, b"\x00" * 12),  # version 1 in a v2 header
            v2(0x23, 0x11, b"\x00" * 12),  # unknown command
            v2(0x21, 0x41, b"\x00" * 12),  # unknown family
            v2(0x21, 0x21, b"\x00" * 12),  # too short for IPv6
            v2(0x21, 0x11, b"\x00" * 12 + b"\x01\x00\x09ab"),  # TLV past the end
            V2_SIGNATURE + b"\x21\x11\xff\xff",  # longer than the bound
        ]
        for data in malformed:
            with self.subTest(data=data[:40]):
                conn = self.connect_from(proxy)
                conn.send(data + request_bytes("GET", self.origin.url("/fixed")))
                self.assert_closed_without_answer(conn)
        truncated = [v1("TCP6", "2001:db8::1", "2001:db8::2", 1, 2)[:-2],
                     v2_proxy("192.0.2.1", "198.51.100.2", 1, 2)[:20], V2_SIGNATURE[:7]]
        for data in truncated:
            with self.subTest(data=data):
                conn = self.connect_from(proxy)
                conn.send(data)
                conn.sock.shutdown(socket.SHUT_WR)
                self.assert_closed_without_answer(conn)
        self.assert_proxy_alive(proxy)
        self.assertEqual(metric(self.scrape(proxy), "proxy_proxy_protocol_refused_total"),
                         len(malformed) + len(truncated))
        self.assertEqual(self.origin.requests_for("/fixed"), [])
        # And it still serves.
        response, _ = self.get_through(proxy, v1("TCP4", "192.0.2.1", "198.51.100.2", 1, 2))
        self.assertEqual(response.status, 200)


class ModeOff(ProxyProtocolTestCase):
    def test_off_serves_clients_as_they_connect_and_a_header_is_a_bad_request(self):
        proxy = self.start_balanced(mode="off")
        response, client_port = self.get_through(proxy, b"")
        self.assertEqual(response.status, 200)
        [line] = self.log_lines(1)
        self.assertEqual((line["client_ip"], line["client_port"], line["peer_ip"]),
                         ("127.0.0.1", client_port, None))
        conn = self.connect_from(proxy)
        conn.send(v1("TCP4", "192.0.2.1", "198.51.100.2", 1, 2)
                  + request_bytes("GET", self.origin.url("/fixed")))
        self.assertEqual(conn.read_response().status, 400)
        self.assertEqual(metric(self.scrape_plain(proxy), "proxy_proxy_protocol_refused_total"), 0)

    def scrape_plain(self, proxy):
        conn = self.connect_from(proxy)
        conn.send(SCRAPE)
        return conn.read_response().body.decode()


def find_haproxy():
    """On PATH, else where Debian installs it (/usr/sbin is not on a user's PATH)."""
    found = shutil.which("haproxy")
    if found is None and os.access("/usr/sbin/haproxy", os.X_OK):
        found = "/usr/sbin/haproxy"
    return found


class HaproxyInFront(ProxyProtocolTestCase):
    """HAProxy from Debian in `mode tcp`, its server line sending the PROXY header."""

    def setUp(self):
        super().setUp()
        self.haproxy = find_haproxy()
        if self.haproxy is None:
            message = "haproxy not found: run scripts/install-deps.sh"
            if os.environ.get("CI", "").lower() == "true":
                self.fail(message)
            self.skipTest(message)
        skip_unless_127_0_0_2_usable(self)

    def start_haproxy(self, proxy_port, send_proxy):
        """HAProxy listening on a free loopback port, relaying to the proxy; returns the
        port. No health check: /_ready does not exist yet, and a plain connect check
        would only add refused connections."""
        for _ in range(5):
            front_port = free_port()
            config = self.configs.write("haproxy.cfg", textwrap.dedent(f"""\
                global
                    maxconn 100
                defaults
                    mode tcp
                    timeout connect 5s
                    timeout client 30s
                    timeout server 30s
                frontend balancer
                    bind 127.0.0.1:{front_port}
                    default_backend proxies
                backend proxies
                    server proxy1 127.0.0.1:{proxy_port} {send_proxy}
                """))
            log = tempfile.TemporaryFile()
            proc = subprocess.Popen([self.haproxy, "-db", "-f", config], stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT)
            self.addCleanup(stop_process, proc, log=log)
            if self._wait_listening(proc, front_port):
                return front_port
        log.seek(0)
        self.fail("haproxy did not start:\n" + log.read().decode(errors="replace"))

    @staticmethod
    def _wait_listening(proc, port, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False  # e.g. the port was taken meanwhile
            # Listening sockets of this port, without connecting (a connection would be
            # relayed to the proxy).
            with open("/proc/net/tcp", encoding="ascii") as f:
                if any(line.split()[1] == f"0100007F:{port:04X}" and line.split()[3] == "0A"
                       for line in f.readlines()[1:]):
                    return True
            time.sleep(0.05)
        return False

    def through_haproxy(self, send_proxy):
        proxy = self.start_balanced(
            trusted=("127.0.0.1/32",),
            enabled=("http_parser", "access_policy", "json_log"),
            settings={"access_policy": {"client_allow": ["127.0.0.2/32"]}})
        front_port = self.start_haproxy(proxy.port, send_proxy)
        sock = socket.socket()
        sock.settimeout(TIMEOUT)
        sock.bind(("127.0.0.2", 0))
        sock.connect(("127.0.0.1", front_port))
        conn = Connection.from_socket(sock)
        self.addCleanup(conn.close)
        client_port = sock.getsockname()[1]
        conn.send(request_bytes("GET", self.origin.url("/fixed"),
                                headers=[("Connection", "close")]))
        response = conn.read_response()
        self.assertIsNotNone(response, proxy.stderr)
        self.assertEqual((response.status, response.body), (200, FIXED_BODY))
        # 127.0.0.3 is not in client_allow: refused on the address HAProxy reports.
        other = socket.socket()
        other.settimeout(TIMEOUT)
        other.bind(("127.0.0.3", 0))
        other.connect(("127.0.0.1", front_port))
        refused = Connection.from_socket(other)
        self.addCleanup(refused.close)
        refused.send(request_bytes("GET", self.origin.url("/fixed")))
        self.assert_closed_without_answer(refused)
        lines = self.log_lines(2)
        by_client = {line["client_ip"]: line for line in lines}
        served = by_client["127.0.0.2"]
        self.assertEqual((served["client_port"], served["peer_ip"], served["status"]),
                         (client_port, "127.0.0.1", 200))
        self.assertEqual((by_client["127.0.0.3"]["decision"], by_client["127.0.0.3"]["plugin"]),
                         ("close", "access_policy"))
        self.assertEqual(len(self.origin.requests_for("/fixed")), 1)

    def test_send_proxy_v2(self):
        self.through_haproxy("send-proxy-v2")

    def test_send_proxy_v1(self):
        self.through_haproxy("send-proxy")


if __name__ == "__main__":
    unittest.main()

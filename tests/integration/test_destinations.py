"""Where a request may go: the proxy itself in any spelling is a loop (508, which also
keeps admin endpoints out of reach through the forwarding path), the shipped deny list
covers "this network" and the cloud metadata addresses, and only loopback clients reach
the proxy host's own services unless upstream.local_destinations says otherwise.

A client that is not on loopback is made by binding the client socket to this host's
first non-loopback IPv4 address (its LAN address), so everything stays on this host."""

import socket
import subprocess
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, request_bytes
from proxytest import run_cli


def lan_address():
    """This host's first IPv4 address outside 127.0.0.0/8."""
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True,
                         timeout=10, check=True).stdout
    for line in out.splitlines():
        address = line.split()[3].split("/")[0]
        if not address.startswith("127."):
            return address
    raise AssertionError("this test needs a non-loopback IPv4 address on some interface:\n"
                         + out)


def connect_from(source_ip, proxy_port, proxy_ip):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    sock.bind((source_ip, 0))
    sock.connect((proxy_ip, proxy_port))
    return Connection.from_socket(sock)


class SelfLoop(ForwardProxyTestCase):
    def exchange(self, proxy, raw):
        conn = self.connect(proxy)
        conn.send(raw)
        return conn.read_response()

    def test_every_spelling_of_the_proxy_is_508(self):
        proxy = self.start_proxy(enabled=["http_parser", "metrics"])
        port = proxy.port
        for authority in [f"0.0.0.0:{port}", f"[::ffff:127.0.0.1]:{port}", f"127.0.0.2:{port}",
                          f"[::ffff:0.0.0.0]:{port}", f"0.1.2.3:{port}", f"[::]:{port}",
                          f"localhost:{port}"]:
            with self.subTest(authority=authority):
                response = self.exchange(proxy, request_bytes("GET",
                                                              f"http://{authority}/_metrics"))
                self.assertIsNotNone(response)
                self.assertEqual(response.status, 508, response.body)
                self.assertNotIn(b"proxy_connections_total", response.body)
                tunnel = self.exchange(proxy, f"CONNECT {authority} HTTP/1.1\r\n"
                                              f"Host: {authority}\r\n\r\n".encode())
                self.assertEqual(tunnel.status, 508)

    def test_an_interface_address_is_508_when_listening_on_all(self):
        lan = lan_address()
        proxy = self.start_proxy(server={"listen": "0.0.0.0"}, enabled=["http_parser", "metrics"])
        conn = connect_from("127.0.0.1", proxy.port, "127.0.0.1")
        self.addCleanup(conn.close)
        conn.send(request_bytes("GET", f"http://{lan}:{proxy.port}/_metrics"))
        response = conn.read_response()
        self.assertEqual(response.status, 508, response.body)


class ShippedDenyList(ForwardProxyTestCase):
    def test_metadata_and_this_network_are_403(self):
        proxy = self.start_proxy()
        for authority in ["169.254.169.254", "100.100.100.200", "[fd00:ec2::254]", "0.0.0.0:80",
                          "[::ffff:169.254.169.254]"]:
            with self.subTest(authority=authority):
                conn = self.connect(proxy)
                conn.send(request_bytes("GET", f"http://{authority}/latest/meta-data/"))
                response = conn.read_response()
                self.assertEqual(response.status, 403, response.body)


class LocalDestinations(ForwardProxyTestCase):
    """The README's office setup: the proxy listens on the LAN address; a LAN client must
    not reach services that listen on the proxy host's loopback."""

    def setUp(self):
        super().setUp()
        self.lan = lan_address()
        self.origin = self.start_origin()  # listens on 127.0.0.1: a "localhost-only" service

    def start(self, local_destinations=None):
        upstream = {"local_destinations": local_destinations} if local_destinations else None
        return self.start_proxy(server={"listen": self.lan}, upstream=upstream)

    def fetch(self, proxy, source_ip, url):
        conn = connect_from(source_ip, proxy.port, self.lan)
        self.addCleanup(conn.close)
        conn.send(request_bytes("GET", url))
        return conn.read_response()

    def test_a_lan_client_cannot_reach_localhost_services_by_default(self):
        proxy = self.start()
        for url in [self.origin.url("/fixed"), f"http://127.0.0.2:{self.origin.port}/fixed",
                    f"http://[::ffff:127.0.0.1]:{self.origin.port}/fixed",
                    f"http://localhost:{self.origin.port}/fixed",
                    f"http://{self.lan}:{self.origin.port}/fixed"]:
            with self.subTest(url=url):
                response = self.fetch(proxy, self.lan, url)
                self.assertEqual(response.status, 403, response.body)
                self.assertIn(b"this host", response.body)
        self.assertEqual(self.origin.connections_accepted, 0)

    def test_a_loopback_client_still_can(self):
        proxy = self.start()
        self.assertEqual(self.fetch(proxy, "127.0.0.1", self.origin.url("/fixed")).status, 200)

    def test_any_opens_and_none_closes_them(self):
        opened = self.start("any")
        self.assertEqual(self.fetch(opened, self.lan, self.origin.url("/fixed")).status, 200)
        closed = self.start("none")
        self.assertEqual(self.fetch(closed, "127.0.0.1", self.origin.url("/fixed")).status, 403)

    def test_bad_value_is_a_config_error(self):
        path = self.configs.write("bad.yaml", "upstream:\n  local_destinations: everyone\n")
        code, _, stderr = run_cli("--config", path, "--check-config")
        self.assertEqual(code, 2)
        self.assertIn("upstream.local_destinations", stderr)
        self.assertIn("loopback_clients, any, none", stderr)


if __name__ == "__main__":
    unittest.main()

"""The access_policy plugin with the real binary and real origins: blocked domains get
403 for plain requests and CONNECT (subdomains, case and trailing-dot variants, IP
literals in any spelling the resolver takes), other hosts are still proxied; methods
outside allowed_methods get 405; CONNECT only reaches connect_ports; clients outside
client_allow are closed without an answer (and on_close sees that close, decided by
access_policy); bad settings stop startup naming the key."""

import json
import os
import socket
import time
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, recv_until_eof, request_bytes
from origins import FIXED_BODY, TestCertificate, tls_client_context, tls_server_context
from proxytest import PLUGIN_DIR, ProxyProcess

TEST_PLUGIN_DIR = os.environ.get("PROXY_TEST_PLUGIN_DIR", "")

POLICY_ONLY = ["http_parser", "access_policy"]


def url(host, port, path="/fixed"):
    return f"http://{host}:{port}{path}"


def connect_request(authority):
    return f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode()


class AccessPolicyTestCase(ForwardProxyTestCase):
    def start_policy_proxy(self, **settings):
        return self.start_proxy(enabled=POLICY_ONLY, settings={"access_policy": settings})

    def assert_refused(self, proxy, data, status, reason, method="GET"):
        response = self.exchange(proxy, data, method)
        self.assertEqual(response.status, status, response)
        self.assertIn(reason.encode(), response.body)
        return response

    def assert_proxied(self, proxy, origin, host):
        response = self.exchange(proxy, request_bytes("GET", url(host, origin.port)))
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, FIXED_BODY)


class BlockedDomains(AccessPolicyTestCase):
    def test_blocked_name_and_its_subdomains_get_403_for_plain_http(self):
        origin = self.start_origin()
        # "calhost" is a suffix of "localhost" but not a parent domain: it must not match.
        proxy = self.start_policy_proxy(blocked_domains=["blocked.test", "calhost"])
        for host in ("blocked.test", "sub.blocked.test", "a.b.blocked.test", "BLOCKED.Test",
                     "blocked.test.", "Sub.BLOCKED.test."):
            with self.subTest(host=host):
                self.assert_refused(proxy, request_bytes("GET", url(host, origin.port)), 403,
                                    "domain blocked by policy")
        self.assert_proxied(proxy, origin, "localhost")
        self.assert_proxied(proxy, origin, "127.0.0.1")
        self.assertEqual(len(origin.requests_for("/fixed")), 2)
        self.assert_proxy_alive(proxy)

    def test_blocked_name_gets_403_for_connect(self):
        origin = self.start_origin()
        proxy = self.start_policy_proxy(blocked_domains=["localhost"],
                                        connect_ports=[origin.port])
        for host in ("localhost", "LocalHost.", "www.localhost"):
            with self.subTest(host=host):
                self.assert_refused(proxy, connect_request(f"{host}:{origin.port}"), 403,
                                    "domain blocked by policy", "CONNECT")
        self.assertEqual(origin.connections_accepted, 0)
        # The same origin by address is not blocked: the tunnel opens.
        conn = self.connect(proxy)
        conn.send(connect_request(f"127.0.0.1:{origin.port}"))
        self.assertEqual(conn.read_response("CONNECT").status, 200)
        conn.send(b"GET /fixed HTTP/1.1\r\nHost: origin\r\n\r\n")
        self.assertEqual(conn.read_response().body, FIXED_BODY)

    def test_blocked_ip_literal_in_every_spelling(self):
        origin = self.start_origin()
        proxy = self.start_policy_proxy(blocked_domains=["127.0.0.1"])
        # Each of these reaches 127.0.0.1 through the resolver; none may slip through.
        for host in ("127.0.0.1", "127.1", "2130706433", "0x7f.0.0.1", "[::ffff:127.0.0.1]"):
            with self.subTest(host=host):
                self.assert_refused(proxy, request_bytes("GET", url(host, origin.port)), 403,
                                    "domain blocked by policy")
        self.assertEqual(origin.connections_accepted, 0)
        # A name is matched as a name, not by what it resolves to.
        self.assert_proxied(proxy, origin, "localhost")


class Methods(AccessPolicyTestCase):
    def test_method_outside_allowed_methods_is_405(self):
        origin = self.start_origin()
        proxy = self.start_policy_proxy(allowed_methods=["GET", "HEAD"])
        response = self.assert_refused(proxy, request_bytes("POST", origin.url("/echo"), body=b"x"),
                                       405, "method not allowed by policy")
        self.assertEqual(response.header("Allow"), "GET, HEAD")  # RFC 9110 §15.5.6
        self.assert_refused(proxy, request_bytes("DELETE", origin.url("/fixed")), 405,
                            "method not allowed by policy")
        # Methods are case-sensitive: "get" is not GET.
        self.assert_refused(proxy, request_bytes("get", origin.url("/fixed")), 405,
                            "method not allowed by policy")
        self.assert_refused(proxy, connect_request(f"127.0.0.1:{origin.port}"), 405,
                            "method not allowed by policy", "CONNECT")
        self.assertEqual(origin.connections_accepted, 0)
        self.assert_proxied(proxy, origin, "127.0.0.1")
        self.assertEqual(self.exchange(proxy, request_bytes("HEAD", origin.url("/fixed")),
                                       "HEAD").status, 200)


class ConnectPorts(TestCertificate, AccessPolicyTestCase):
    def test_connect_only_to_listed_ports(self):
        tls_origin = self.start_origin(tls_context=tls_server_context(self.cert, self.key))
        plain_origin = self.start_origin()
        proxy = self.start_policy_proxy(connect_ports=[tls_origin.port])

        self.assert_refused(proxy, connect_request(f"127.0.0.1:{plain_origin.port}"), 403,
                            "CONNECT port not allowed by policy", "CONNECT")
        self.assertEqual(plain_origin.connections_accepted, 0)

        conn = self.connect(proxy)
        conn.send(connect_request(f"127.0.0.1:{tls_origin.port}"))
        self.assertEqual(conn.read_response("CONNECT").status, 200)
        tls = tls_client_context(self.cert).wrap_socket(conn.sock, server_hostname="localhost")
        self.addCleanup(tls.close)
        tls.settimeout(TIMEOUT)
        tls.sendall(b"GET /fixed HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        head, _, body = recv_until_eof(tls).partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        self.assertEqual(body, FIXED_BODY)

    def test_default_connect_ports_is_443_only(self):
        origin = self.start_origin()
        proxy = self.start_policy_proxy()
        self.assert_refused(proxy, connect_request(f"127.0.0.1:{origin.port}"), 403,
                            "CONNECT port not allowed by policy", "CONNECT")


def connect_from(source_ip, proxy_port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    sock.bind((source_ip, 0))
    sock.connect(("127.0.0.1", proxy_port))
    return Connection.from_socket(sock)


class ClientAllow(AccessPolicyTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(TEST_PLUGIN_DIR and os.path.isdir(TEST_PLUGIN_DIR),
                        "PROXY_TEST_PLUGIN_DIR must name the test plugins' folder")
        self.events_path = os.path.join(self.configs.path, "events.jsonl")

    def start_with_probe(self):
        """access_policy with client_allow 127.0.0.2 only, followed by the test-only probe
        plugin, whose on_close writes every transaction to a file; debug logging shows
        access_policy's count of refused clients."""
        config = {
            "server": {"listen": "127.0.0.1", "port": 0, "workers": 2, "shutdown_grace": 5},
            "plugins": {
                "dirs": [PLUGIN_DIR, TEST_PLUGIN_DIR],
                "enabled": ["http_parser", "access_policy", "probe"],
                "settings": {"access_policy": {"client_allow": ["127.0.0.2/32"]},
                             "probe": {"events_file": self.events_path}},
            },
        }
        path = self.configs.write("allow.yaml", json.dumps(config))  # JSON is valid YAML
        proxy = ProxyProcess("--config", path, "--log-level", "debug")
        self.addCleanup(self._stop_proxy, proxy)
        return proxy

    def connection_events(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            try:
                with open(self.events_path, encoding="utf-8") as f:
                    events = [json.loads(line) for line in f if line.strip()]
            except FileNotFoundError:
                events = []
            found = [e for e in events if e["kind"] == "connection"]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def test_client_outside_client_allow_is_closed_without_an_answer(self):
        origin = self.start_origin()
        proxy = self.start_with_probe()
        refused_ports = []
        for _ in range(2):
            refused = connect_from("127.0.0.1", proxy.port)
            self.addCleanup(refused.close)
            refused_ports.append(refused.sock.getsockname()[1])
            try:
                refused.send(request_bytes("GET", origin.url("/fixed")))
            except OSError:
                pass  # already closed
            self.assertTrue(refused.wait_closed(5), "refused client still connected")
            self.assertEqual(bytes(refused.buffer), b"", "a refused client got an answer")

            served = connect_from("127.0.0.2", proxy.port)
            self.addCleanup(served.close)
            served.send(request_bytes("GET", origin.url("/fixed")))
            response = served.read_response()
            self.assertIsNotNone(response, "allowed client was closed")
            self.assertEqual(response.status, 200)
            self.assertEqual(response.body, FIXED_BODY)
        self.assertEqual(len(origin.requests_for("/fixed")), 2)

        events = self.connection_events(2)
        self.assertEqual(sorted(e["client_port"] for e in events), sorted(refused_ports), events)
        for event in events:
            self.assertEqual((event["verdict"], event["decided_by"], event["reason"]),
                             ("close", "access_policy", "client not allowed by policy"))
        deadline = time.monotonic() + 5
        while "2 refused so far" not in proxy.stderr and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertIn("[access_policy]", proxy.stderr)
        self.assertIn("not in client_allow; closed (2 refused so far)", proxy.stderr)


class Settings(AccessPolicyTestCase):
    def test_bad_values_stop_startup_naming_the_key(self):
        cases = [
            ({"blocked_domains": ["ok.test", "*.wild.test"]}, "blocked_domains[1]"),
            ({"blocked_domains": "evil.test"}, "blocked_domains"),
            ({"allowed_methods": ["GET", "NOT A TOKEN"]}, "allowed_methods[1]"),
            ({"connect_ports": [443, 0]}, "connect_ports[1]"),
            ({"connect_ports": [65536]}, "connect_ports[0]"),
            ({"connect_ports": ["443"]}, "connect_ports[0]"),
            ({"client_allow": ["127.0.0.0/8", "::1/129"]}, "client_allow[1]"),
            ({"client_allow": ["localhost"]}, "client_allow[0]"),
            ({"blocked_domain": []}, "blocked_domain"),
        ]
        for settings, key in cases:
            with self.subTest(key=key):
                code, _, stderr = self.check_plugin_config(POLICY_ONLY, {"access_policy": settings})
                self.assertEqual(code, 2, stderr)
                self.assertIn(f"plugins.settings.access_policy.{key}:", stderr)

    def test_good_settings_pass_check_config(self):
        code, _, stderr = self.check_plugin_config(POLICY_ONLY, {"access_policy": {
            "blocked_domains": ["evil.test", "10.0.0.1", "[2001:db8::1]"],
            "allowed_methods": ["GET", "CONNECT"], "connect_ports": [443, 8443],
            "client_allow": ["127.0.0.0/8", "::1/128", "::ffff:10.0.0.0/104"]}})
        self.assertEqual(code, 0, stderr)

    def test_switched_off_plugin_leaves_proxying_working(self):
        origin = self.start_origin()
        # Settings that would refuse this client and this host, but the plugin is off.
        proxy = self.start_proxy(enabled=["http_parser"], settings={"access_policy": {
            "blocked_domains": ["127.0.0.1"], "client_allow": ["127.0.0.2/32"]}})
        self.assert_proxied(proxy, origin, "127.0.0.1")


if __name__ == "__main__":
    unittest.main()

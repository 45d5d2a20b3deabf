"""The shipped plugin set: config/default.yaml loads all six plugins and proxies with its
safe defaults, and switching any one feature plugin off leaves proxying working."""

import json
import os
import unittest

from httpclient import TIMEOUT, ForwardProxyTestCase, recv_until_eof, request_bytes
from origins import TestCertificate, tls_client_context, tls_server_context
from proxytest import PLUGIN_DIR, SOURCE_DIR, ProxyProcess, run_cli

ALL_PLUGINS = ["http_parser", "access_policy", "sni_policy", "rate_limiter", "metrics",
               "json_log"]
FEATURE_PLUGINS = ALL_PLUGINS[1:]
DEFAULT_YAML = os.path.join(SOURCE_DIR, "config", "default.yaml")


class ShippedPluginSet(TestCertificate, ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.tls_origin = self.start_origin(tls_context=tls_server_context(self.cert, self.key))
        self.log_path = os.path.join(self.configs.path, "access.jsonl")

    def start_shipped(self, enabled=None, settings=None):
        """config/default.yaml as shipped, with a second file on top that only moves it
        to a free port, points it at the built plugins and the access log at a file."""
        plugins = {"dirs": [PLUGIN_DIR],
                   "settings": {"json_log": {"path": self.log_path}, **(settings or {})}}
        if enabled is not None:
            plugins["enabled"] = enabled
        overlay = {"server": {"port": 0, "workers": 2, "shutdown_grace": 5},
                   "plugins": plugins}
        # JSON is YAML's flow style.
        path = self.configs.write("overlay.yaml", json.dumps(overlay))
        proxy = ProxyProcess("--config", DEFAULT_YAML, "--config", path)
        self.addCleanup(self._stop_proxy, proxy)
        return proxy

    def assert_plain_http_works(self, proxy):
        response = self.exchange(proxy, request_bytes("GET", self.origin.url("/fixed")))
        self.assertEqual(response.status, 200, response)

    def assert_tls_tunnel_works(self, proxy):
        conn = self.connect(proxy)
        port = self.tls_origin.port
        conn.send(f"CONNECT localhost:{port} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"
                  .encode())
        response = conn.read_response("CONNECT")
        self.assertIsNotNone(response, "proxy closed instead of answering CONNECT")
        self.assertEqual(response.status, 200, response)
        tls = tls_client_context(self.cert).wrap_socket(conn.sock, server_hostname="localhost")
        tls.settimeout(TIMEOUT)
        self.addCleanup(tls.close)
        tls.sendall(b"GET /fixed HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        self.assertTrue(recv_until_eof(tls).startswith(b"HTTP/1.1 200"))

    def metrics_status(self, proxy):
        response = self.exchange(proxy, b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\n"
                                        b"Connection: close\r\n\r\n")
        return response.status

    def test_check_config_loads_all_six_shipped_plugins(self):
        code, out, err = run_cli("--check-config", "--config", DEFAULT_YAML, "--config",
                                 self.configs.write("dirs.yaml",
                                                    json.dumps({"plugins": {"dirs": [PLUGIN_DIR]}})))
        self.assertEqual(code, 0, err)
        for name in ALL_PLUGINS:
            self.assertIn(name, out)

    def test_shipped_defaults_proxy_http_and_refuse_connect_to_other_ports(self):
        proxy = self.start_shipped()
        self.assert_plain_http_works(proxy)
        self.assertEqual(self.metrics_status(proxy), 200)
        # connect_ports is [443] as shipped: the test origin's port is refused.
        conn = self.connect(proxy)
        port = self.tls_origin.port
        conn.send(f"CONNECT localhost:{port} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"
                  .encode())
        response = conn.read_response("CONNECT")
        self.assertEqual(response.status, 403, response)

    def test_each_feature_plugin_switched_off_leaves_proxying_working(self):
        for off in FEATURE_PLUGINS:
            with self.subTest(off=off):
                enabled = [name for name in ALL_PLUGINS if name != off]
                proxy = self.start_shipped(
                    enabled=enabled,
                    settings={"access_policy": {"connect_ports": [self.tls_origin.port]}})
                self.assert_plain_http_works(proxy)
                self.assert_tls_tunnel_works(proxy)
                self.assertEqual(self.metrics_status(proxy), 404 if off == "metrics" else 200)
                proxy.stop(timeout=15)


if __name__ == "__main__":
    unittest.main()

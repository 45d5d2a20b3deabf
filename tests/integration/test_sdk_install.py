"""The SDK as a third party meets it: `cmake --install` into a temporary prefix, the
examples (two in C++, one in plain C11 against abi.h alone) built out of tree against that
prefix alone, and the installed binary running them. Also: the installed core holds no plugin code, and a plugin built against another
ABI major is refused with both versions named."""

import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time
import unittest

import sdk_install
from httpclient import ForwardProxyTestCase, is_sanitizer_build, request_bytes
from proxytest import SOURCE_DIR, ProxyProcess, run_cli

HOST_ABI = "1.3"  # PROXY_SDK_ABI_VERSION in sdk/include/proxy/sdk/abi.h
EXAMPLES = ("header_stamp", "slow_allowlist", "conn_budget")
# The test-only probe plugin records the attributes the examples set.
TEST_PLUGIN_DIR = os.environ.get("PROXY_TEST_PLUGIN_DIR", "")
BUNDLED = ("http_parser", "access_policy", "sni_policy", "rate_limiter", "metrics",
           "json_log")


class InstalledSdkTest(ForwardProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = pathlib.Path(tempfile.mkdtemp(prefix="proxy-sdk-"))
        cls.prefix = cls.work / "prefix"
        try:
            sdk_install.install(cls.prefix)
            cls.binary = str(cls.prefix / "bin" / "proxy-server")
            future_sdk = sdk_install.sdk_with_abi_version(cls.prefix, cls.work / "sdk-2.0", 2, 0)
            examples = pathlib.Path(SOURCE_DIR) / "examples"
            cls.builds = sdk_install.build_plugins({
                "header_stamp": (examples / "header_stamp", None),
                "slow_allowlist": (examples / "slow_allowlist", None),
                "conn_budget": (examples / "conn_budget", None),
                "header_stamp_abi_2": (examples / "header_stamp", future_sdk),
            }, cls.work, cls.prefix, sanitize=is_sanitizer_build())
        except BaseException:
            shutil.rmtree(cls.work, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    # -- helpers ------------------------------------------------------------------------

    def example_dirs(self, builds=EXAMPLES):
        """Only the examples' build folders: the bundled plugins (http_parser) must come
        from the installed prefix."""
        return [str(self.builds[name]) for name in builds]

    def start_installed(self, enabled, settings, timeouts=None):
        dirs = self.example_dirs()
        if "probe" in enabled:
            self.assertTrue(TEST_PLUGIN_DIR and os.path.isdir(TEST_PLUGIN_DIR),
                            "PROXY_TEST_PLUGIN_DIR must name the test plugins' folder")
            dirs.append(TEST_PLUGIN_DIR)
        config = {
            "server": {"listen": "127.0.0.1", "port": 0, "workers": 2, "shutdown_grace": 5},
            "plugins": {"dirs": dirs, "enabled": list(enabled), "settings": settings},
        }
        if timeouts:
            config["timeouts"] = timeouts
        path = self.configs.write("sdk.yaml", json.dumps(config))
        proxy = ProxyProcess("--config", path, binary=self.binary)
        self.addCleanup(self._stop_proxy, proxy)
        return proxy

    def check_installed(self, enabled, settings, builds=EXAMPLES):
        return self.check_plugin_config(enabled, settings, dirs=self.example_dirs(builds),
                                        binary=self.binary)

    def allowlist(self, timeouts=None, **settings):
        return self.start_installed(["http_parser", "slow_allowlist"],
                                    {"slow_allowlist": settings}, timeouts=timeouts)

    def with_probe(self, enabled, settings):
        """Starts the installed binary with `enabled` then probe, which writes one JSON
        line per transaction; returns the proxy and a reader of those lines."""
        events = pathlib.Path(self.configs.path) / "events.jsonl"
        proxy = self.start_installed(list(enabled) + ["probe"],
                                     {**settings, "probe": {"events_file": str(events)}})

        def read_events(count, timeout=5):
            deadline = time.monotonic() + timeout
            while True:
                lines = events.read_text(encoding="utf-8").splitlines() if events.exists() else []
                if len(lines) >= count or time.monotonic() > deadline:
                    return [json.loads(line) for line in lines]
                time.sleep(0.02)
        return proxy, read_events

    def timed_get(self, proxy, url):
        started = time.monotonic()
        response = self.exchange(proxy, request_bytes("GET", url))
        return response, time.monotonic() - started

    # -- the installed tree -------------------------------------------------------------

    def test_install_puts_binary_plugins_config_and_sdk_in_the_prefix(self):
        expected = ["bin/proxy-server", "share/proxy-server/config/default.yaml",
                    "include/proxy/sdk.hpp", "include/proxy/sdk/abi.h"]
        expected += [f"lib/proxy-server/plugins/lib{name}.so" for name in BUNDLED]
        for relative in expected:
            self.assertTrue((self.prefix / relative).is_file(), relative)
        package = sdk_install.package_dir(self.prefix)
        for name in ("ProxySdkConfig.cmake", "ProxySdkConfigVersion.cmake",
                     "ProxySdkTargets.cmake", "ProxyPlugin.cmake", "plugin.map"):
            self.assertTrue((package / name).is_file(), name)

    def test_installed_binary_finds_installed_config_and_plugins(self):
        # From a folder with no config/: the installed default config and plugins.
        code, out, err = run_cli("--check-config", cwd=self.work, binary=self.binary)
        self.assertEqual(code, 0, err)
        self.assertIn("config OK; plugins: http_parser", out)
        code, out, err = run_cli("--list-plugins", cwd=self.work, binary=self.binary)
        self.assertEqual(code, 0, err)
        for name in BUNDLED:
            self.assertRegex(out, rf"(?m)^{name}\s+\S+\s+enabled")
        self.assertIn(f"# searched {self.prefix / 'lib/proxy-server/plugins'}", out)

    def test_core_binary_contains_no_plugin_code(self):
        symbols = subprocess.run(["nm", "-C", "--defined-only", self.binary],
                                 capture_output=True, text=True, timeout=60, check=True).stdout
        self.assertIn("proxy::app::", symbols)  # nm read the core's own symbols
        for foreign in ("proxy::plugins::", "proxy::sdk::", "boost::beast::"):
            self.assertNotIn(foreign, symbols)

    # -- header_stamp -------------------------------------------------------------------

    def test_header_stamp_stamps_forwarded_requests_and_counts_them(self):
        origin = self.start_origin()
        proxy = self.start_installed(
            ["http_parser", "header_stamp"],
            {"header_stamp": {"name": "X-Team", "value": "blue", "endpoint": "/_stamps"}})
        self.assertIn("[header_stamp] stamping 'X-Team: blue'", proxy.stderr)
        for _ in range(3):
            # A client-sent X-Team is replaced, not passed on beside the stamp.
            response = self.exchange(proxy, request_bytes(
                "GET", origin.url("/fixed"), headers=[("X-Team", "forged")]))
            self.assertEqual(response.status, 200)
        seen = origin.requests_for("/fixed")
        self.assertEqual(len(seen), 3)
        for request in seen:
            self.assertEqual(request.header_values("X-Team"), ["blue"])
        count = self.exchange(proxy, b"GET /_stamps HTTP/1.1\r\nHost: proxy\r\n\r\n")
        self.assertEqual((count.status, count.body), (200, b"stamped 3\n"))
        self.assertEqual(proxy.stop(), 0)
        self.assertIn("[header_stamp] stamped 3 requests", proxy.stderr)

    def test_header_stamp_refuses_bad_settings_naming_the_key(self):
        cases = [({"name": "Content-Length"}, "name", "managed by the proxy"),
                 ({"name": "X Bad"}, "name", "expected a header name"),
                 ({"value": "a\r\nInjected: 1"}, "value", "printable ASCII"),
                 ({"endpoint": "stamps"}, "endpoint", "starting with '/'"),
                 ({"colour": "red"}, "colour", "unknown setting")]
        for settings, key, message in cases:
            with self.subTest(settings=settings):
                code, _, err = self.check_installed(["http_parser", "header_stamp"],
                                                    {"header_stamp": settings})
                self.assertEqual(code, 2, err)
                self.assertIn(f"plugins.settings.header_stamp.{key}: ", err)
                self.assertIn(message, err)

    # -- slow_allowlist -----------------------------------------------------------------

    def test_deferred_decision_allows_listed_host_after_the_lookup(self):
        origin = self.start_origin()
        proxy, events = self.with_probe(
            ["http_parser", "slow_allowlist"],
            {"slow_allowlist": {"allowed": ["127.0.0.1"], "lookup_delay_ms": 300}})
        response, elapsed = self.timed_get(proxy, origin.url("/fixed"))
        self.assertEqual(response.status, 200)
        self.assertGreaterEqual(elapsed, 0.3)
        self.assertEqual(len(origin.requests_for("/fixed")), 1)
        # The attribute set through the completion reached on_close.
        self.assertEqual(events(1)[0]["attributes"], {"allowlist": "approved"})

    def test_deferred_decision_blocks_unlisted_host(self):
        origin = self.start_origin()
        proxy = self.allowlist(allowed=["allowed.example"], lookup_delay_ms=100)
        response, elapsed = self.timed_get(proxy, origin.url("/fixed"))
        self.assertEqual(response.status, 403)
        self.assertIn(b"host not on the allowlist", response.body)
        self.assertEqual(response.header("X-Allowlist"), "denied")  # a header on a completion
        self.assertGreaterEqual(elapsed, 0.1)
        self.assertEqual(origin.requests_for("/fixed"), [])

    def test_plugin_fails_closed_when_its_service_is_late(self):
        origin = self.start_origin()
        proxy = self.allowlist(allowed=["127.0.0.1"], lookup_delay_ms=5000, timeout_ms=300)
        response, elapsed = self.timed_get(proxy, origin.url("/fixed"))
        self.assertEqual(response.status, 503)
        self.assertIn(b"allowlist service timed out", response.body)
        self.assertTrue(0.3 <= elapsed < 4, elapsed)
        self.assertEqual(origin.requests_for("/fixed"), [])

    def test_deferral_that_never_completes_gets_503_after_timeouts_hook(self):
        origin = self.start_origin()
        # No timeout of its own, and a "service" slower than timeouts.hook: the host's
        # bound is all that answers the client.
        proxy = self.allowlist(allowed=["127.0.0.1"], lookup_delay_ms=2500, timeout_ms=0,
                               timeouts={"hook": 1})
        response, elapsed = self.timed_get(proxy, origin.url("/fixed"))
        self.assertEqual(response.status, 503)
        self.assertIn(b"plugin 'slow_allowlist' did not decide in time", response.body)
        self.assertTrue(1 <= elapsed < 2.4, elapsed)
        # The late answer arrives after the client got its 503 and must change nothing.
        time.sleep(2.5 - elapsed + 0.5)
        self.assert_proxy_alive(proxy)
        self.assertEqual(origin.requests_for("/fixed"), [])

    def test_pending_lookups_are_bounded_by_max_pending(self):
        origin = self.start_origin()
        proxy = self.allowlist(allowed=["127.0.0.1"], lookup_delay_ms=3000, timeout_ms=5000,
                               max_pending=1)
        waiting = self.connect(proxy)
        waiting.send(request_bytes("GET", origin.url("/fixed")))
        time.sleep(1)  # ample for the first lookup to be in flight, even under sanitizers
        response, elapsed = self.timed_get(proxy, origin.url("/fixed"))
        self.assertEqual(response.status, 503)
        self.assertIn(b"allowlist service overloaded", response.body)
        self.assertEqual(response.header("Retry-After"), "1")
        self.assertLess(elapsed, 1.5)  # refused at once, not after a lookup
        self.assertEqual(waiting.read_response().status, 200)
        self.assertEqual(len(origin.requests_for("/fixed")), 1)

    def test_slow_allowlist_refuses_bad_settings_naming_the_key(self):
        cases = [({"timeout_ms": -1}, "timeout_ms"),
                 ({"lookup_delay_ms": "fast"}, "lookup_delay_ms"),
                 ({"allowed": ["ok.example", ""]}, "allowed[1]"),
                 ({"allowed": "ok.example"}, "allowed")]
        for settings, key in cases:
            with self.subTest(settings=settings):
                code, _, err = self.check_installed(["http_parser", "slow_allowlist"],
                                                    {"slow_allowlist": settings})
                self.assertEqual(code, 2, err)
                self.assertIn(f"plugins.settings.slow_allowlist.{key}: ", err)

    # -- conn_budget (plain C11) ---------------------------------------------------------

    def test_c_plugin_caps_requests_per_connection_with_a_header_and_an_attribute(self):
        origin = self.start_origin()
        proxy, events = self.with_probe(["http_parser", "conn_budget"],
                                        {"conn_budget": {"max_requests": 2}})
        self.assertIn("[conn_budget] at most 2 requests per connection", proxy.stderr)
        conn = self.connect(proxy)
        for _ in range(2):
            conn.send(request_bytes("GET", origin.url("/fixed")))
            self.assertEqual(conn.read_response().status, 200)
        conn.send(request_bytes("GET", origin.url("/fixed")))
        refused = conn.read_response()
        self.assertEqual(refused.status, 429, refused)
        self.assertEqual(refused.header_values("X-Connection-Budget"), ["2"])
        self.assertIn(b"connection request budget used up", refused.body)
        conn.wait_closed()
        # A new connection starts with a budget of its own.
        self.assertEqual(self.exchange(proxy, request_bytes("GET", origin.url("/fixed"))).status,
                         200)
        self.assertEqual(len(origin.requests_for("/fixed")), 3)
        seen = [(event["status"], event["attributes"]) for event in events(4)]
        self.assertEqual(seen, [(200, {"conn_request": "1"}), (200, {"conn_request": "2"}),
                                (429, {}), (200, {"conn_request": "1"})])
        self.assertEqual(proxy.stop(), 0)

    def test_c_plugin_refuses_bad_settings_naming_the_key(self):
        cases = [({"max_requests": 0}, "plugins.settings.conn_budget.max_requests: "),
                 ({"max_requests": "ten"}, "plugins.settings.conn_budget.max_requests: "),
                 ({"max_requests": 10000000000}, "plugins.settings.conn_budget.max_requests: "),
                 ({"max_request": 3}, "the only setting is max_requests")]
        for settings, message in cases:
            with self.subTest(settings=settings):
                code, _, err = self.check_installed(["http_parser", "conn_budget"],
                                                    {"conn_budget": settings})
                self.assertEqual(code, 2, err)
                self.assertIn(message, err)
        code, out, err = self.check_installed(["http_parser", "conn_budget"],
                                              {"conn_budget": {"max_requests": 5}})
        self.assertEqual(code, 0, err)
        self.assertIn("conn_budget", out)

    # -- ABI ----------------------------------------------------------------------------

    def test_plugin_built_against_another_abi_major_is_refused_with_both_versions(self):
        code, _, err = self.check_installed(["http_parser", "header_stamp"], {},
                                            builds=("header_stamp_abi_2",))
        self.assertEqual(code, 2, err)
        self.assertIn("header_stamp", err)
        self.assertIn(f"ABI version 2.0 is not compatible with this host's {HOST_ABI}", err)


if __name__ == "__main__":
    unittest.main()

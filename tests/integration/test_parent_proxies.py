"""Parent proxies with the real binary: upstream_router sends requests through a second
proxy-server instance and through Squid from Debian, for plain HTTP (absolute-form, kept
alive to the parent) and for TLS through CONNECT (the origin's certificate verified end
to end by curl). A dead first parent falls over to the next; a parent that refuses is
our 502 naming it, and the next parent is not tried; the parent's credentials (from
credentials_file) reach the parent, which checks them with proxy_auth, and never the
origin, and the client's own Proxy-Authorization never goes on. The access log's
`upstream` says which way each request went."""

import base64
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time
import unittest

from httpclient import ForwardProxyTestCase, request_bytes
from origins import FIXED_BODY, TestCertificate, tls_server_context
from proxytest import free_port, stop_process

ROUTER = ["http_parser", "upstream_router", "json_log"]


def htpasswd_line(user, password):
    done = subprocess.run(["htpasswd", "-nbB", "-C", "4", user, password], capture_output=True,
                          text=True, timeout=30, check=True, stdin=subprocess.DEVNULL)
    return done.stdout.strip() + "\n"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def closed_port():
    """A loopback port nothing listens on: connecting there is refused."""
    return free_port()


class ParentTestCase(TestCertificate, ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.tls_origin = self.start_origin(tls_context=tls_server_context(self.cert, self.key))
        self.log_path = os.path.join(self.configs.path, "access.log")

    # -- the processes -------------------------------------------------------------------

    def start_parent(self, users=None):
        """A second proxy-server instance; with `users` ({name: password}), proxy_auth
        requires those credentials of whoever uses it."""
        if not users:
            return self.start_proxy()
        users_file = self.configs.write(
            "parent.htpasswd", "".join(htpasswd_line(u, p) for u, p in users.items()))
        return self.start_proxy(enabled=["http_parser", "proxy_auth"],
                                settings={"proxy_auth": {"users_file": users_file}})

    def start_router(self, parents, routes=None):
        """The proxy under test: `parents` is upstream_router's parents map; `routes`
        defaults to everything through every parent, in the order given."""
        if routes is None:
            routes = [{"domains": ["*"], "via": list(parents)}]
        return self.start_proxy(enabled=ROUTER, settings={
            "upstream_router": {"parents": parents, "routes": routes},
            "json_log": {"path": self.log_path, "flush_interval_ms": 10}})

    def credentials_file(self, user, password):
        """A credentials file beside the config, named relative to it as operators would."""
        path = self.configs.write("parent.cred", f"{user}:{password}\n")
        os.chmod(path, 0o600)
        return os.path.basename(path)

    # -- what the client does ------------------------------------------------------------

    def get(self, proxy, path="/fixed", headers=()):
        return self.exchange(proxy, request_bytes("GET", self.origin.url(path), headers=headers))

    def curl_https(self, proxy, host="localhost"):
        """curl through the proxy to the TLS origin, verifying its certificate; returns
        (HTTP code or the CONNECT's own when the tunnel was refused, body)."""
        args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code} %{http_connect}", "--max-time",
                "20", "--proxy", f"http://127.0.0.1:{proxy.port}", "--cacert", self.cert,
                f"https://{host}:{self.tls_origin.port}/fixed"]
        done = subprocess.run(args, capture_output=True, timeout=30, stdin=subprocess.DEVNULL,
                              check=False)
        body, _, codes = done.stdout.rpartition(b"\n")
        code, connect_code = (int(c) for c in codes.split())
        return (code or connect_code), body

    def log_lines(self, count, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            lines = []
            if os.path.exists(self.log_path):
                with open(self.log_path, "rb") as f:
                    lines = [json.loads(line) for line in f.read().splitlines() if line]
            if len(lines) >= count or time.monotonic() > deadline:
                self.assertEqual(len(lines), count, lines)
                return lines
            time.sleep(0.02)

    def assert_origin_never_saw_credentials(self):
        for origin in (self.origin, self.tls_origin):
            requests = origin.requests_for("/fixed")
            self.assertTrue(requests)
            for request in requests:
                self.assertIsNone(request.header("Proxy-Authorization"), request.raw_head)
            self.assertNotIn(b"proxy-authorization", origin.all_raw_bytes().lower())


class ThroughOurs(ParentTestCase):
    def test_plain_http_goes_through_the_parent_kept_alive(self):
        parent = self.start_parent()
        router = self.start_router({"ours": {"address": f"127.0.0.1:{parent.port}"}})
        conn = self.connect(router)
        for _ in range(3):
            conn.send(request_bytes("GET", self.origin.url("/fixed")))
            response = conn.read_response()
            self.assertEqual((response.status, response.body), (200, FIXED_BODY), response)
        seen = self.origin.requests_for("/fixed")
        self.assertEqual(len(seen), 3)
        # Both proxies are on the way: each appended its Via.
        self.assertEqual(seen[0].header("Via"), "1.1 proxy-server, 1.1 proxy-server")
        self.assertEqual(seen[0].target, "/fixed")  # the parent wrote origin-form again
        # One connection from the parent to the origin: ours kept its one to the parent.
        self.assertEqual(len({request.conn_id for request in seen}), 1)
        self.assertEqual([line["upstream"] for line in self.log_lines(3)], ["ours"] * 3)

    def test_tls_through_connect_verified_end_to_end(self):
        parent = self.start_parent()
        router = self.start_router({"ours": {"address": f"127.0.0.1:{parent.port}"}})
        self.assertEqual(self.curl_https(router), (200, FIXED_BODY))
        [line] = self.log_lines(1)
        self.assertEqual((line["event"], line["status"], line["upstream"]), ("tunnel", 200, "ours"))
        self.assertEqual(len(self.tls_origin.requests_for("/fixed")), 1)

    def test_credentials_reach_the_parent_and_never_the_origin(self):
        parent = self.start_parent(users={"alice": "alice pw"})
        router = self.start_router({"corp": {"address": f"127.0.0.1:{parent.port}",
                                             "credentials_file": self.credentials_file(
                                                 "alice", "alice pw")}})
        # The client's own Proxy-Authorization is for us and goes no further: were it
        # forwarded, the parent would refuse these wrong credentials.
        response = self.get(router, headers=[("Proxy-Authorization", basic("mallory", "x"))])
        self.assertEqual((response.status, response.body), (200, FIXED_BODY), response)
        self.assertEqual(self.curl_https(router), (200, FIXED_BODY))
        self.assert_origin_never_saw_credentials()
        # Never logged, in any form, by the proxy that holds them.
        self.assertNotIn("alice pw", router.stderr)
        self.assertNotIn(basic("alice", "alice pw").split()[1], router.stderr)

    def test_a_refusing_parent_is_a_502_naming_it_and_the_next_is_not_tried(self):
        refusing = self.start_parent(users={"alice": "alice pw"})
        backup = self.start_parent()
        router = self.start_router({"corp": {"address": f"127.0.0.1:{refusing.port}"},
                                    "backup": {"address": f"127.0.0.1:{backup.port}"}})
        response = self.get(router)
        self.assertEqual(response.status, 502, response)
        self.assertIn(b"parent corp refused the request: 407", response.body)
        code, _ = self.curl_https(router)
        self.assertEqual(code, 502)
        self.assertEqual(self.origin.requests_for("/fixed"), [])
        self.assertEqual(self.tls_origin.requests_for("/fixed"), [])
        # The two lines come from two connections, maybe two io threads: in either order.
        lines = sorted(self.log_lines(2), key=lambda line: line["method"])
        self.assertEqual([line["method"] for line in lines], ["CONNECT", "GET"])
        self.assertEqual([line["upstream"] for line in lines], ["corp", "corp"])
        self.assertEqual([line["status"] for line in lines], [502, 502])
        self.assertIn("parent corp refused the tunnel: 407", lines[0]["reason"])
        self.assertIn("parent corp refused the request: 407", lines[1]["reason"])

    def test_a_dead_first_parent_falls_over_to_the_second(self):
        live = self.start_parent()
        router = self.start_router({"dead": {"address": f"127.0.0.1:{closed_port()}"},
                                    "live": {"address": f"127.0.0.1:{live.port}"}})
        response = self.get(router)
        self.assertEqual((response.status, response.body), (200, FIXED_BODY), response)
        self.assertEqual(self.curl_https(router), (200, FIXED_BODY))
        self.assertEqual([line["upstream"] for line in self.log_lines(2)], ["live", "live"])

    def test_no_parent_reached_is_a_502_naming_them_all(self):
        router = self.start_router({"first": {"address": f"127.0.0.1:{closed_port()}"},
                                    "second": {"address": f"127.0.0.1:{closed_port()}"}})
        response = self.get(router)
        self.assertEqual(response.status, 502, response)
        self.assertIn(b"no parent proxy could be reached (first: ", response.body)
        self.assertIn(b"; second: ", response.body)
        [line] = self.log_lines(1)
        self.assertEqual(line["upstream"], "second")  # the last one tried

    def test_routes_choose_direct_or_a_parent_by_host(self):
        parent = self.start_parent()
        router = self.start_router({"ours": {"address": f"127.0.0.1:{parent.port}"}},
                                   routes=[{"domains": ["localhost"], "via": "direct"},
                                           {"domains": ["*"], "via": ["ours"]}])
        self.assertEqual(self.get(router).status, 200)
        direct = request_bytes("GET", f"http://localhost:{self.origin.port}/fixed")
        self.assertEqual(self.exchange(router, direct).status, 200)
        via = [request.header("Via") for request in self.origin.requests_for("/fixed")]
        self.assertEqual(via, ["1.1 proxy-server, 1.1 proxy-server", "1.1 proxy-server"])
        # Two connections, maybe two io threads: their lines in either order.
        self.assertEqual(sorted((line["host"], line["upstream"]) for line in self.log_lines(2)),
                         [("127.0.0.1", "ours"), ("localhost", "direct")])

    def test_an_ip_literal_target_is_still_judged_by_our_destination_policy(self):
        parent = self.start_parent()
        router = self.start_router({"ours": {"address": f"127.0.0.1:{parent.port}"}})
        # The parent is on loopback, which deny_networks does not hold against it; a
        # denied literal target is refused here, before any parent sees it.
        response = self.exchange(router, request_bytes("GET", "http://169.254.169.254/latest"))
        self.assertEqual(response.status, 403, response)
        self.assertIn(b"destination address is denied", response.body)
        # Our own answer: one through the parent would carry the parent's Via too.
        self.assertEqual(response.header_values("Via"), ["1.1 proxy-server"])

    def test_a_broken_credentials_file_stops_startup_naming_the_key(self):
        self.configs.write("broken.cred", "no colon here\n")
        code, _, stderr = self.check_plugin_config(
            ROUTER, {"upstream_router": {"parents": {"corp": {
                "address": "127.0.0.1:3128",
                "credentials_file": os.path.join(self.configs.path, "broken.cred")}}}})
        self.assertNotEqual(code, 0)
        self.assertIn("plugins.settings.upstream_router.parents.corp.credentials_file:", stderr)
        self.assertNotIn("no colon here", stderr)


def find_squid():
    found = shutil.which("squid")
    if found is None and os.access("/usr/sbin/squid", os.X_OK):
        found = "/usr/sbin/squid"
    return found


class ThroughSquid(ParentTestCase):
    """Squid from Debian as the parent, started unprivileged-style with its own config
    (no cache, no access log) and stopped by its PID."""

    def setUp(self):
        super().setUp()
        self.squid = find_squid()
        if self.squid is None:
            message = "squid not found: run scripts/install-deps.sh"
            if os.environ.get("CI", "").lower() == "true":
                self.fail(message)
            self.skipTest(message)

    def start_squid(self):
        # Started as root, Squid works as the `proxy` user: its folder must be that user's.
        folder = tempfile.mkdtemp(prefix="proxy-test-squid-")
        self.addCleanup(shutil.rmtree, folder, True)
        os.chmod(folder, 0o755)
        if os.getuid() == 0:
            try:
                account = pwd.getpwnam("proxy")
                os.chown(folder, account.pw_uid, account.pw_gid)
            except KeyError:
                pass
        for _ in range(5):
            port = free_port()
            config = os.path.join(folder, "squid.conf")
            with open(config, "w", encoding="utf-8") as f:
                f.write(textwrap.dedent(f"""\
                    http_port 127.0.0.1:{port}
                    visible_hostname test-squid
                    workers 1
                    pid_filename {folder}/squid.pid
                    cache_log {folder}/cache.log
                    access_log none
                    cache_store_log none
                    netdb_filename none
                    pinger_enable off
                    coredump_dir {folder}
                    cache deny all
                    shutdown_lifetime 1 seconds
                    http_access allow localhost
                    http_access deny all
                    """))
            log = tempfile.TemporaryFile()
            proc = subprocess.Popen([self.squid, "-N", "-f", config], stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT)
            self.addCleanup(stop_process, proc, 15, log)
            if self._wait_listening(proc, port):
                return port
        log.seek(0)
        self.fail("squid did not start:\n" + log.read().decode(errors="replace"))

    @staticmethod
    def _wait_listening(proc, port, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def test_plain_http_and_tls_through_squid(self):
        squid_port = self.start_squid()
        router = self.start_router({"squid": {"address": f"127.0.0.1:{squid_port}"}})
        conn = self.connect(router)
        for _ in range(2):
            conn.send(request_bytes("GET", self.origin.url("/fixed")))
            response = conn.read_response()
            self.assertEqual((response.status, response.body), (200, FIXED_BODY), response)
        [seen, _] = self.origin.requests_for("/fixed")
        via = seen.header("Via") or ""
        self.assertTrue(via.startswith("1.1 proxy-server, 1.1 test-squid"), via)
        self.assertEqual(self.curl_https(router), (200, FIXED_BODY))
        self.assertEqual([line["upstream"] for line in self.log_lines(3)], ["squid"] * 3)

    def test_a_dead_first_parent_falls_over_to_squid(self):
        squid_port = self.start_squid()
        router = self.start_router({"dead": {"address": f"127.0.0.1:{closed_port()}"},
                                    "squid": {"address": f"127.0.0.1:{squid_port}"}})
        self.assertEqual(self.get(router).status, 200)
        self.assertEqual(self.curl_https(router), (200, FIXED_BODY))
        self.assertEqual([line["upstream"] for line in self.log_lines(2)], ["squid", "squid"])


if __name__ == "__main__":
    unittest.main()

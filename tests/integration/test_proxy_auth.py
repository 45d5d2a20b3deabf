"""The proxy_auth plugin with the real binary: no or wrong credentials get 407 for plain
HTTP and CONNECT alike, right ones reach the origin (which never sees
Proxy-Authorization), checked once and then served from the cache; a client over
max_failures gets 429 with Retry-After; bypass_networks need no credentials; the users
file is re-read when it changes, and a broken one keeps the users it replaces; a users
file with a weak hash stops startup naming the line.

The users file is made by the real htpasswd (apache2-utils), bcrypt at its lowest cost
so the tests stay fast."""

import base64
import json
import os
import re
import subprocess
import time
import unittest

from httpclient import ForwardProxyTestCase, request_bytes
from origins import FIXED_BODY, TestCertificate, tls_server_context

PLUGINS = ["http_parser", "proxy_auth"]


def htpasswd_line(user, password, cost=4):
    done = subprocess.run(["htpasswd", "-nbB", "-C", str(cost), user, password],
                          capture_output=True,
                          text=True, timeout=30, check=True, stdin=subprocess.DEVNULL)
    return done.stdout.strip() + "\n"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class ProxyAuthTestCase(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.users_file = os.path.join(self.configs.path, "users.htpasswd")
        self.write_users(htpasswd_line("alice", "alice pw") + htpasswd_line("bob", "bob pw"))

    def write_users(self, text):
        """Replaces the users file as editors do: a new file renamed over the old one."""
        staged = self.users_file + ".new"
        with open(staged, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(staged, self.users_file)

    def start_auth(self, **settings):
        settings.setdefault("users_file", self.users_file)
        return self.start_proxy(enabled=PLUGINS, settings={"proxy_auth": settings})

    def get(self, proxy, authorization=None):
        headers = [("Proxy-Authorization", authorization)] if authorization else []
        return self.exchange(proxy, request_bytes("GET", self.origin.url("/fixed"),
                                                  headers=headers))

    def connect_tunnel(self, proxy, authorization=None):
        head = f"CONNECT {self.origin.authority} HTTP/1.1\r\nHost: {self.origin.authority}\r\n"
        if authorization:
            head += f"Proxy-Authorization: {authorization}\r\n"
        return self.exchange(proxy, (head + "\r\n").encode(), method="CONNECT")


class Credentials(ProxyAuthTestCase):
    def test_no_or_wrong_credentials_get_407_for_plain_http_and_connect(self):
        proxy = self.start_auth()
        cases = [(None, b"proxy authentication required"),
                 ("Bearer abc", b"not of the Basic scheme"),
                 ("Basic !!!!", b"not valid base64"),
                 (basic("alice", "wrong"), b"invalid proxy credentials"),
                 (basic("mallory", "alice pw"), b"invalid proxy credentials")]
        challenge = 'Basic realm="proxy-server", charset="UTF-8"'
        for authorization, reason in cases:
            with self.subTest(authorization=authorization):
                response = self.get(proxy, authorization)
                self.assertEqual(response.status, 407, response)
                self.assertIn(reason, response.body)
                self.assertEqual(response.header_values("Proxy-Authenticate"), [challenge])
                response = self.connect_tunnel(proxy, authorization)
                self.assertEqual(response.status, 407, response)
                self.assertEqual(response.header_values("Proxy-Authenticate"), [challenge])
        self.assertEqual(self.origin.requests_for("/fixed"), [])
        self.assert_proxy_alive(proxy)

    def test_right_credentials_reach_the_origin_without_proxy_authorization(self):
        proxy = self.start_auth()
        response = self.get(proxy, basic("alice", "alice pw"))
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, FIXED_BODY)
        self.assertEqual(self.connect_tunnel(proxy, basic("bob", "bob pw")).status, 200)
        received = self.origin.requests_for("/fixed")
        self.assertEqual(len(received), 1)
        self.assertIsNone(received[0].header("Proxy-Authorization"))

    def test_the_cache_spares_the_slow_check(self):
        # bcrypt at cost 12 takes a few hundred milliseconds; a cached request takes
        # none of it.
        self.write_users(htpasswd_line("alice", "alice pw", cost=12))
        proxy = self.start_auth(cache_seconds=300)
        authorization = basic("alice", "alice pw")
        started = time.monotonic()
        self.assertEqual(self.get(proxy, authorization).status, 200)
        first = time.monotonic() - started
        cached = []
        for _ in range(5):
            started = time.monotonic()
            self.assertEqual(self.get(proxy, authorization).status, 200)
            cached.append(time.monotonic() - started)
        print(f"first request {first * 1000:.1f} ms, cached at best {min(cached) * 1000:.1f} ms")
        self.assertLess(min(cached), first / 2)
        # With the cache off, every request pays for the check again.
        proxy = self.start_auth(cache_seconds=0)
        self.assertEqual(self.get(proxy, authorization).status, 200)
        started = time.monotonic()
        self.assertEqual(self.get(proxy, authorization).status, 200)
        self.assertGreater(time.monotonic() - started, min(cached) * 2)

    def test_bypass_networks_need_no_credentials(self):
        proxy = self.start_auth(bypass_networks=["127.0.0.0/8"])
        self.assertEqual(self.get(proxy).status, 200)
        proxy = self.start_auth(bypass_networks=["10.0.0.0/8"])
        self.assertEqual(self.get(proxy).status, 407)


class Failures(ProxyAuthTestCase):
    def test_beyond_max_failures_the_client_gets_429_with_retry_after(self):
        proxy = self.start_auth(max_failures=3)
        for _ in range(3):
            self.assertEqual(self.get(proxy, basic("alice", "guess")).status, 407)
        response = self.get(proxy, basic("alice", "alice pw"))  # right, but too late
        self.assertEqual(response.status, 429, response)
        self.assertIn(b"too many failed proxy authentication attempts: 3 per minute",
                      response.body)
        self.assertIn(int(response.header("Retry-After")), range(55, 61))
        self.assertEqual(self.origin.requests_for("/fixed"), [])
        # Requests without credentials are not counted, and still get the challenge.
        self.assertEqual(self.get(proxy).status, 407)


    def auth_failures(self, proxy, expected, timeout=10):
        """proxy_auth_failures_total by reason, scraped until it shows `expected` (each
        transaction is counted when its connection moves on or closes)."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.exchange(proxy, b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\n"
                                            b"Connection: close\r\n\r\n")
            self.assertEqual(response.status, 200, response)
            counts = dict(re.findall(rb'(?m)^proxy_auth_failures_total\{reason="(\w+)"\} (\d+)$',
                                     response.body))
            counts = {name.decode(): int(count) for name, count in counts.items()}
            if counts == expected or time.monotonic() > deadline:
                return counts
            time.sleep(0.05)

    def test_the_eleventh_failure_gets_429_unchecked_and_the_metrics_count_both(self):
        # A hash slow enough to time: every wrong password pays for its check, the
        # eleventh attempt (default max_failures: 10) is refused without one.
        self.write_users(htpasswd_line("alice", "alice pw", cost=10))
        proxy = self.start_proxy(enabled=PLUGINS + ["metrics"],
                                 settings={"proxy_auth": {"users_file": self.users_file}})
        checked = []
        for _ in range(10):
            started = time.monotonic()
            self.assertEqual(self.get(proxy, basic("alice", "guess")).status, 407)
            checked.append(time.monotonic() - started)
        self.assertEqual(self.get(proxy).status, 407)  # no credentials: not a failure
        started = time.monotonic()
        response = self.get(proxy, basic("alice", "guess"))
        unchecked = time.monotonic() - started
        self.assertEqual(response.status, 429, response)
        print(f"checked at best {min(checked) * 1000:.1f} ms, refused unchecked in "
              f"{unchecked * 1000:.1f} ms")
        self.assertLess(unchecked, min(checked) / 2)
        expected = {"invalid_credentials": 10, "too_many_failures": 1}
        self.assertEqual(self.auth_failures(proxy, expected), expected)


class UsersFile(ProxyAuthTestCase):
    @staticmethod
    def wait_for_log(proxy, text, timeout=10):
        """Waits for the watcher (a stat a second) to have logged `text`."""
        deadline = time.monotonic() + timeout
        while text not in proxy.stderr and time.monotonic() < deadline:
            time.sleep(0.05)
        return proxy.stderr

    def test_a_changed_file_is_read_again(self):
        proxy = self.start_auth()
        alice, carol = basic("alice", "alice pw"), basic("carol", "carol pw")
        self.assertEqual(self.get(proxy, alice).status, 200)
        self.assertEqual(self.get(proxy, carol).status, 407)
        self.write_users(htpasswd_line("carol", "carol pw"))
        self.assertIn("reloaded: 1 users", self.wait_for_log(proxy, "reloaded: 1 users"))
        self.assertEqual(self.get(proxy, carol).status, 200)
        # alice was cached, and is refused all the same once the file no longer has her.
        self.assertEqual(self.get(proxy, alice).status, 407)

    def test_a_broken_file_keeps_the_previous_users(self):
        proxy = self.start_auth(cache_seconds=0)
        self.write_users(htpasswd_line("alice", "alice pw") + "bob:plain-text-secret\n")
        self.wait_for_log(proxy, "keeping the 2 users")
        self.assertIn("users.htpasswd, line 2: user \"bob\": the hash is not a hash", proxy.stderr)
        self.assertIn("keeping the 2 users loaded before", proxy.stderr)
        self.assertNotIn("plain-text-secret", proxy.stderr)
        self.assertEqual(self.get(proxy, basic("bob", "bob pw")).status, 200)

    def test_a_weak_hash_stops_startup_naming_the_line(self):
        self.write_users(htpasswd_line("alice", "alice pw") +
                         subprocess.run(["htpasswd", "-nbm", "bob", "bob pw"],
                                        capture_output=True, text=True, timeout=30,
                                        check=True).stdout.strip() + "\n")
        code, _, err = self.check_plugin_config(PLUGINS,
                                                {"proxy_auth": {"users_file": self.users_file}})
        self.assertEqual(code, 2, err)
        self.assertIn("plugins.settings.proxy_auth.users_file: " + self.users_file +
                      ", line 2: user \"bob\": the hash is Apache MD5 ($apr1$)", err)


class UserInTheAccessLog(ProxyAuthTestCase):
    """The user attribute proxy_auth sets reaches json_log's line; no user, null."""

    def test_the_authenticated_user_is_logged_and_an_anonymous_one_is_null(self):
        log_path = os.path.join(self.configs.path, "access.log")
        proxy = self.start_proxy(
            enabled=["http_parser", "proxy_auth", "json_log"],
            settings={"proxy_auth": {"users_file": self.users_file},
                      "json_log": {"path": log_path, "flush_interval_ms": 10}})
        self.assertEqual(self.get(proxy, basic("alice", "alice pw")).status, 200)  # deferred
        self.assertEqual(self.get(proxy, basic("alice", "alice pw")).status, 200)  # cached
        self.assertEqual(self.get(proxy).status, 407)
        lines = []
        deadline = time.monotonic() + 5
        while len(lines) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
            with open(log_path, "rb") as f:
                lines = [json.loads(raw) for raw in f.read().splitlines()]
        # The io threads write their lines in no order between them.
        self.assertEqual(sorted((line["status"], line["user"] or "") for line in lines),
                         [(200, "alice"), (200, "alice"), (407, "")])


if __name__ == "__main__":
    unittest.main()


class WithCurl(TestCertificate, ProxyAuthTestCase):
    """What users run: curl --proxy-user, for plain HTTP and HTTPS through CONNECT, the
    origin's certificate verified end to end."""

    def curl(self, proxy, url, user=None):
        args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code} %{http_connect}", "--max-time", "20",
                "--proxy", f"http://127.0.0.1:{proxy.port}", "--cacert", self.cert]
        if user:
            args += ["--proxy-user", user]
        done = subprocess.run(args + [url], capture_output=True, timeout=30,
                              stdin=subprocess.DEVNULL, check=False)
        body, _, codes = done.stdout.rpartition(b"\n")
        code, connect_code = (int(c) for c in codes.split())
        # A refused CONNECT has no origin answer: its code is the CONNECT's own.
        return (code or connect_code), body

    def test_right_and_wrong_passwords_for_http_and_https_through_connect(self):
        tls_origin = self.start_origin(tls_context=tls_server_context(self.cert, self.key))
        proxy = self.start_auth()
        plain = self.origin.url("/fixed")
        https = f"https://localhost:{tls_origin.port}/fixed"
        self.assertEqual(self.curl(proxy, plain, "alice:alice pw"), (200, FIXED_BODY))
        self.assertEqual(self.curl(proxy, https, "bob:bob pw"), (200, FIXED_BODY))
        self.assertEqual(self.curl(proxy, plain, "alice:wrong")[0], 407)
        self.assertEqual(self.curl(proxy, https, "bob:wrong")[0], 407)
        self.assertEqual(self.curl(proxy, plain)[0], 407)
        for origin in (self.origin, tls_origin):
            for request in origin.requests_for("/fixed"):
                self.assertIsNone(request.header("Proxy-Authorization"))
        self.assertEqual(len(self.origin.requests_for("/fixed")), 1)
        self.assertEqual(len(tls_origin.requests_for("/fixed")), 1)


"""rate_limiter with backend: redis, end to end with real proxy-server processes and a real
redis-server that each test starts on a port it picks: two instances sharing one Redis
enforce one limit (the 21st request of 20 gets 429 whichever instance serves it);
key: user with proxy_auth limits each user apart (and a user named like an IP apart from
that IP); a Redis that hangs costs a decision timeout_ms and then follows on_error, a
killed one costs nothing, and decisions are Redis's again once it is back on the same
port; a Redis password works and appears in no log line; the metrics count each result.

The counter's fixed windows are aligned on Redis's clock (TIME), so a test that counts
requests first waits for a window with room for all of them (fresh_window)."""

import json
import os
import re
import socket
import time
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, request_bytes
from proxytest import ProxyProcess, check_no_sanitizer_report, minimal_config
from redisserver import RedisServer
from test_metrics import Metrics
from test_proxy_auth import basic, htpasswd_line

PLUGINS = ["http_parser", "rate_limiter", "metrics"]
READY = re.compile(r"Redis connection \d+ to \S+ ready")


class RedisLimiterTestCase(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()

    def start_redis(self, password=None):
        redis = RedisServer(password=password)
        self.addCleanup(redis.close)
        return redis

    def limiter_settings(self, redis, **overrides):
        redis_settings = {"address": f"127.0.0.1:{redis.port}", "timeout_ms": 200}
        redis_settings.update(overrides.pop("redis_settings", {}))
        settings = {"backend": "redis", "requests": 20, "window": 60, "redis": redis_settings}
        settings.update(overrides)
        return settings

    def start_limited(self, redis, enabled=PLUGINS, extra_settings=None, **overrides):
        settings = {"rate_limiter": self.limiter_settings(redis, **overrides)}
        settings.update(extra_settings or {})
        proxy = self.start_proxy(enabled=enabled, settings=settings)
        self.wait_connected(proxy)
        return proxy

    @staticmethod
    def wait_connected(proxy, connections=2, timeout=10):
        """Until every connection of the pool (one per io thread: workers 2) is ready."""
        deadline = time.monotonic() + timeout
        while len(READY.findall(proxy.stderr)) < connections:
            if time.monotonic() > deadline:
                raise AssertionError("the Redis pool never became ready:\n" + proxy.stderr)
            time.sleep(0.02)

    def get(self, proxy, authorization=None, source=None):
        headers = [("Connection", "close")]
        if authorization:
            headers.append(("Proxy-Authorization", authorization))
        data = request_bytes("GET", self.origin.url("/fixed"), headers=headers)
        if source is None:
            return self.exchange(proxy, data)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(sock.close)
        sock.settimeout(TIMEOUT)
        sock.bind((source, 0))
        sock.connect((proxy.host, proxy.port))
        conn = Connection.from_socket(sock)
        conn.send(data)
        response = conn.read_response()
        self.assertIsNotNone(response, "proxy closed without answering")
        return response

    def until_allowed(self, proxy, timeout=15):
        """GETs until one is admitted (the pool reconnecting); returns the seconds taken."""
        started = time.monotonic()
        while self.get(proxy).status != 200:
            self.assertLess(time.monotonic() - started, timeout,
                            "decisions never came back:\n" + proxy.stderr)
            time.sleep(0.1)
        return time.monotonic() - started

    def timed_get(self, proxy):
        started = time.monotonic()
        response = self.get(proxy)
        return response, (time.monotonic() - started) * 1000

    def fresh_window(self, redis, window_s, needed_s):
        """Waits until Redis's current fixed window has at least `needed_s` left."""
        span = window_s * 1000
        left = span - redis.time_ms() % span
        if left < needed_s * 1000:
            time.sleep(left / 1000 + 0.05)

    def metrics(self, proxy):
        response = self.exchange(proxy, b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\n"
                                        b"Connection: close\r\n\r\n")
        self.assertEqual(response.status, 200, response)
        return Metrics(response)

    def metrics_until(self, proxy, predicate, timeout=10):
        """Scrapes until `predicate` holds (a transaction is counted when it ends)."""
        deadline = time.monotonic() + timeout
        while True:
            metrics = self.metrics(proxy)
            if predicate(metrics) or time.monotonic() > deadline:
                return metrics
            time.sleep(0.05)

    def assert_rate_limited(self, response):
        self.assertEqual(response.status, 429, response)
        self.assertIn(b"rate limit exceeded: 20 requests per 60 s", response.body)
        self.assertRegex(response.header("Retry-After") or "", r"^[1-9][0-9]*$")


class SharedLimit(RedisLimiterTestCase):
    def test_two_instances_share_one_limit_the_21st_request_gets_429_on_either(self):
        redis = self.start_redis()
        first = self.start_limited(redis)
        second = self.start_limited(redis)
        self.fresh_window(redis, 60, needed_s=15)
        for i in range(20):
            proxy = first if i % 2 == 0 else second
            self.assertEqual(self.get(proxy).status, 200, f"request {i}")
        self.assert_rate_limited(self.get(first))
        self.assert_rate_limited(self.get(second))
        self.assertEqual(len(self.origin.requests_for("/fixed")), 20, "a 429 reached the origin")
        # The counter is the script's hash in Redis, under the prefix and the client IP.
        self.assertEqual(redis.command("HGET", "proxy:rl:127.0.0.1", "current"), b"20")
        ttl = redis.command("PTTL", "proxy:rl:127.0.0.1")
        self.assertTrue(0 < ttl <= 120_000, ttl)

        def counted(metrics):
            return (metrics.value("proxy_rate_limit_decisions_total", result="allowed") == 10
                    and metrics.value("proxy_rate_limit_decisions_total", result="limited") == 1)

        for proxy in (first, second):
            metrics = self.metrics_until(proxy, counted)
            self.assertEqual(metrics.value("proxy_rate_limit_decisions_total", result="allowed"),
                             10)
            self.assertEqual(metrics.value("proxy_rate_limit_decisions_total", result="limited"),
                             1)
            self.assertEqual(metrics.value("proxy_blocked_total", plugin="rate_limiter"), 1)
            for reason in ("timeout", "unavailable", "error_reply", "overloaded"):
                self.assertEqual(metrics.value("proxy_redis_errors_total", reason=reason), 0)
            # Every answered decision has its round trip in the latency histogram: on
            # loopback well under the 200 ms timeout.
            self.assertEqual(metrics.value("proxy_redis_latency_seconds_count"), 11)
            self.assertEqual(metrics.value("proxy_redis_latency_seconds_bucket", le="0.1"), 11)
            self.assertGreater(metrics.value("proxy_redis_latency_seconds_sum"), 0)

    def test_a_local_instance_beside_them_keeps_its_own_count(self):
        redis = self.start_redis()
        shared = self.start_limited(redis, requests=3)
        local = self.start_proxy(enabled=PLUGINS,
                                 settings={"rate_limiter": {"requests": 3, "window": 60}})
        self.fresh_window(redis, 60, needed_s=10)
        for _ in range(3):
            self.assertEqual(self.get(shared).status, 200)
        self.assertEqual(self.get(shared).status, 429)
        for _ in range(3):
            self.assertEqual(self.get(local).status, 200)
        self.assertEqual(self.get(local).status, 429)


class KeyByUser(RedisLimiterTestCase):
    def test_each_user_has_a_limit_of_its_own_and_a_user_named_like_an_ip_is_not_that_ip(self):
        redis = self.start_redis()
        users = os.path.join(self.configs.path, "users.htpasswd")
        with open(users, "w", encoding="utf-8") as f:
            f.write(htpasswd_line("alice", "alice pw") + htpasswd_line("bob", "bob pw")
                    + htpasswd_line("127.0.0.2", "ip pw"))
        proxy = self.start_limited(
            redis, enabled=["http_parser", "proxy_auth", "rate_limiter"], key="user", requests=2,
            extra_settings={"proxy_auth": {"users_file": users,
                                           "bypass_networks": ["127.0.0.2/32"]}})
        self.fresh_window(redis, 60, needed_s=15)
        for user, password in (("alice", "alice pw"), ("bob", "bob pw"), ("127.0.0.2", "ip pw")):
            with self.subTest(user=user):
                for i in range(2):
                    self.assertEqual(self.get(proxy, basic(user, password)).status, 200, i)
                response = self.get(proxy, basic(user, password))
                self.assertEqual(response.status, 429, response)
        # The bypass client has no user: it is counted by its IP, apart from the user
        # named "127.0.0.2".
        for i in range(2):
            self.assertEqual(self.get(proxy, source="127.0.0.2").status, 200, i)
        self.assertEqual(self.get(proxy, source="127.0.0.2").status, 429)
        keys = sorted(key.decode() for key in redis.command("KEYS", "proxy:rl:*"))
        self.assertEqual(keys, ["proxy:rl:127.0.0.2", "proxy:rl:user:127.0.0.2",
                                "proxy:rl:user:alice", "proxy:rl:user:bob"])


class Outage(RedisLimiterTestCase):
    def test_a_hung_redis_costs_timeout_ms_then_on_error_and_a_killed_one_nothing(self):
        redis = self.start_redis()
        deny = self.start_limited(redis, redis_settings={"on_error": "deny"})
        allow = self.start_limited(redis, redis_settings={"on_error": "allow"})
        self.assertEqual(self.get(deny).status, 200)
        self.assertEqual(self.get(allow).status, 200)

        redis.pause()  # connections stay open; nothing answers
        response, deny_ms = self.timed_get(deny)
        self.assertEqual(response.status, 503, response)
        self.assertIn(b"Redis did not answer within 200 ms", response.body)
        self.assertEqual(response.header("Retry-After"), "1")
        response, allow_ms = self.timed_get(allow)
        self.assertEqual(response.status, 200, response)
        print(f"Redis hung (SIGSTOP), timeout_ms 200: on_error deny answered in {deny_ms:.0f} ms, "
              f"allow in {allow_ms:.0f} ms")
        for measured in (deny_ms, allow_ms):
            self.assertGreaterEqual(measured, 190)
            self.assertLess(measured, 1500, "a decision must cost at most about timeout_ms")

        redis.resume()
        self.until_allowed(deny)
        redis.kill()  # SIGKILL: the connections are reset
        time.sleep(0.2)
        killed = []
        for _ in range(3):
            response, ms = self.timed_get(deny)
            self.assertEqual(response.status, 503, response)
            killed.append(ms)
        response, ms = self.timed_get(allow)
        self.assertEqual(response.status, 200, response)
        killed.append(ms)
        print("Redis killed (SIGKILL): decisions in " + ", ".join(f"{ms:.0f}" for ms in killed)
              + " ms")
        for ms in killed:
            self.assertLess(ms, 1500)

        redis.start()  # the same port
        recovered = self.until_allowed(deny)
        print(f"Redis restarted on the same port: decisions are Redis's again after "
              f"{recovered:.2f} s")
        self.assertIn("ready again after", deny.stderr)

        metrics = self.metrics(deny)
        self.assertGreaterEqual(metrics.value("proxy_redis_errors_total", reason="timeout"), 1)
        # Decisions Redis never answered are errors, not latencies: the histogram counts
        # exactly the decisions Redis made.
        self.assertEqual(metrics.value("proxy_redis_latency_seconds_count"),
                         metrics.value("proxy_rate_limit_decisions_total", result="allowed")
                         + metrics.value("proxy_rate_limit_decisions_total", result="limited"))
        self.assertGreaterEqual(metrics.value("proxy_redis_errors_total", reason="unavailable"), 3)
        self.assertGreaterEqual(
            metrics.value("proxy_rate_limit_decisions_total", result="error_denied"), 4)
        self.assertEqual(metrics.value("proxy_rate_limit_decisions_total", result="error_allowed"),
                         0)
        metrics = self.metrics(allow)
        self.assertGreaterEqual(
            metrics.value("proxy_rate_limit_decisions_total", result="error_allowed"), 2)

    def test_no_redis_at_startup_follows_on_error_and_the_proxy_serves(self):
        redis = self.start_redis()
        redis.kill()
        proxy = self.start_proxy(enabled=PLUGINS, settings={
            "rate_limiter": self.limiter_settings(redis, redis_settings={"on_error": "deny"})})
        response, ms = self.timed_get(proxy)
        self.assertEqual(response.status, 503, response)
        self.assertIn(b"no connection to Redis", response.body)
        self.assertLess(ms, 1000)
        redis.start()
        self.wait_connected(proxy)
        self.assertEqual(self.get(proxy).status, 200)


class Password(RedisLimiterTestCase):
    PASSWORD = "pw-c0ffee-4f1d-never-in-a-log"

    def start_debug(self, redis, password):
        """The proxy at --log-level debug, its access log in a file."""
        access_log = os.path.join(self.configs.path, f"access-{len(password)}.log")
        settings = {
            "rate_limiter": self.limiter_settings(
                redis, requests=2, redis_settings={"password": password, "on_error": "deny"}),
            "json_log": {"path": access_log}}
        config = {"plugins": {"enabled": PLUGINS + ["json_log"], "settings": settings}}
        base = self.configs.write("base.yaml", minimal_config())
        extra = self.configs.write(f"redis-{len(password)}.yaml", json.dumps(config))
        proxy = ProxyProcess("--config", base, "--config", extra, "--log-level", "debug")
        self.addCleanup(self._stop_proxy, proxy)
        return proxy, access_log

    def test_a_password_works_and_is_in_no_log_line(self):
        redis = self.start_redis(password=self.PASSWORD)
        good, good_log = self.start_debug(redis, self.PASSWORD)
        bad, bad_log = self.start_debug(redis, self.PASSWORD + "-wrong")
        self.wait_connected(good)
        self.assertIn("with a password", good.stderr)
        self.fresh_window(redis, 60, needed_s=10)
        self.assertEqual(self.get(good).status, 200)
        self.assertEqual(self.get(good).status, 200)
        self.assertEqual(self.get(good).status, 429)
        # Refused by Redis: decisions follow on_error, and the log says why.
        deadline = time.monotonic() + 10
        while "refused during setup" not in bad.stderr:
            self.assertLess(time.monotonic(), deadline, bad.stderr)
            time.sleep(0.05)
        response = self.get(bad)
        self.assertEqual(response.status, 503, response)
        for proxy in (good, bad):
            self.assertEqual(proxy.stop(), 0)
        texts = {"good stderr": good.stderr, "bad stderr": bad.stderr}
        for path in (good_log, bad_log):
            with open(path, encoding="utf-8", errors="replace") as f:
                texts[path] = f.read()
        self.assertIn("WRONGPASS", bad.stderr)
        for name, text in texts.items():
            self.assertTrue(text, name)
            self.assertNotIn("pw-c0ffee", text, name)

    def test_a_password_of_the_wrong_type_is_refused_without_quoting_it(self):
        code, _, stderr = self.check_plugin_config(
            ["http_parser", "rate_limiter"],
            {"rate_limiter": {"backend": "redis", "redis": {"password": 918273645}}})
        self.assertEqual(code, 2, stderr)
        self.assertIn("plugins.settings.rate_limiter.redis.password: expected a string", stderr)
        self.assertNotIn("918273645", stderr)


class Settings(RedisLimiterTestCase):
    def test_bad_settings_stop_startup_naming_the_key(self):
        cases = [
            ("key", {"key": "ip"}),
            ("backend", {"backend": "memcached"}),
            ("redis.address", {"redis": {"address": "localhost:0"}}),
            ("redis.address", {"redis": {"address": "::1:6379"}}),
            ("redis.timeout_ms", {"redis": {"timeout_ms": 0}}),
            ("redis.on_error", {"redis": {"on_error": "ignore"}}),
            ("redis.database", {"redis": {"database": -1}}),
            ("redis.max_in_flight", {"redis": {"max_in_flight": 0}}),
            ("redis.host", {"redis": {"host": "127.0.0.1"}}),
        ]
        for key, settings in cases:
            with self.subTest(key=key, settings=settings):
                code, _, stderr = self.check_plugin_config(["http_parser", "rate_limiter"],
                                                           {"rate_limiter": settings})
                self.assertEqual(code, 2, stderr)
                self.assertIn(f"plugins.settings.rate_limiter.{key}:", stderr)

    def test_check_config_loads_a_redis_backend_without_a_redis(self):
        code, _, stderr = self.check_plugin_config(
            ["http_parser", "rate_limiter"],
            {"rate_limiter": {"backend": "redis", "key": "user",
                              "redis": {"address": "127.0.0.1:1", "on_error": "deny"}}})
        self.assertEqual(code, 0, stderr)
        check_no_sanitizer_report(stderr)


if __name__ == "__main__":
    unittest.main()

"""The scale-out deployment of deploy/ with real processes on loopback: HAProxy (Debian's,
`mode tcp`, `send-proxy-v2`, health checks on /_ready) in front of two proxy-server
instances sharing one redis-server, each started by the test from the shipped files plus
a layer of its own (free ports, a limit of 20, its log files). A client bound to
127.0.0.2 is 127.0.0.2 in both instances' logs and client_allow decisions; the 21st
request of a window gets 429 whichever instance serves it; a hung or killed Redis makes
decisions follow on_error within timeout_ms, and they are Redis's again once it is back;
an instance that gets SIGTERM leaves HAProxy's pool through /_ready before it stops,
losing no request; deploy/run.sh's own smoke test passes as the README runs it."""

import json
import os
import signal
import socket
import subprocess
import time
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, request_bytes
from origins import FIXED_BODY
from proxytest import PLUGIN_DIR, PROXY_BIN, SOURCE_DIR, ProxyProcess, free_port, stop_process
from redisserver import RedisServer
from test_proxy_protocol import find_haproxy, skip_unless_127_0_0_2_usable

DEPLOY_DIR = os.path.join(SOURCE_DIR, "deploy")
HAPROXY_CFG = os.path.join(DEPLOY_DIR, "haproxy.cfg")
REQUESTS, WINDOW, TIMEOUT_MS = 20, 60, 200


class ScaleOutTestCase(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.haproxy = find_haproxy()
        if self.haproxy is None:
            message = "haproxy not found: run scripts/install-deps.sh"
            if os.environ.get("CI", "").lower() == "true":
                self.fail(message)
            self.skipTest(message)
        skip_unless_127_0_0_2_usable(self)


class PairBehindHaproxy(ScaleOutTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.redis = RedisServer()
        self.addCleanup(self.redis.close)
        self.instances = [self.start_instance(n) for n in (1, 2)]
        self.front = self.start_haproxy()

    def start_instance(self, n):
        """deploy/proxy-server.yaml and deploy/instance-<n>.yaml as shipped, then this
        test's layer."""
        log = os.path.join(self.configs.path, f"instance-{n}.log")
        layer = {
            "server": {"port": 0, "workers": 2, "shutdown_delay": 2, "shutdown_grace": 5},
            "plugins": {"dirs": [PLUGIN_DIR], "settings": {
                # HAProxy's health checks are PROXY v2 LOCAL, served as HAProxy itself.
                "access_policy": {"client_allow": ["127.0.0.1/32", "127.0.0.2/32"]},
                "rate_limiter": {"requests": REQUESTS, "window": WINDOW, "redis": {
                    "address": f"127.0.0.1:{self.redis.port}", "timeout_ms": TIMEOUT_MS,
                    "on_error": "deny"}},
                "json_log": {"path": log, "flush_interval_ms": 10}}}}
        test_layer = self.configs.write(f"instance-{n}.test.yaml", json.dumps(layer))
        proxy = ProxyProcess("--config", os.path.join(DEPLOY_DIR, "proxy-server.yaml"),
                             "--config", os.path.join(DEPLOY_DIR, f"instance-{n}.yaml"),
                             "--config", test_layer)
        self.addCleanup(self._stop_proxy, proxy)
        proxy.log_path = log
        return proxy

    def start_haproxy(self):
        """deploy/haproxy.cfg as shipped; returns the front port once HAProxy's health
        checks see both instances up."""
        env = dict(os.environ, DEPLOY_WORK=self.configs.path,
                   INSTANCE_1_PORT=str(self.instances[0].port),
                   INSTANCE_2_PORT=str(self.instances[1].port))
        stats = os.path.join(self.configs.path, "haproxy.sock")
        for _ in range(5):
            env["FRONT_PORT"] = str(free_port())
            log = open(os.path.join(self.configs.path, "haproxy.log"), "wb")
            self.addCleanup(log.close)
            proc = subprocess.Popen([self.haproxy, "-db", "-f", HAPROXY_CFG], env=env,
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            self.addCleanup(stop_process, proc)
            up = subprocess.run(["python3", os.path.join(DEPLOY_DIR, "smoke.py"), "wait-up",
                                 "--stats", stats, "--timeout", "15"], capture_output=True,
                                text=True, timeout=30)
            if up.returncode == 0:
                return int(env["FRONT_PORT"])
            if proc.poll() is None:
                break  # running, so its port was free: the checks failed
            # Most likely the port was taken meanwhile: another one.
        with open(os.path.join(self.configs.path, "haproxy.log"), errors="replace") as f:
            self.fail("HAProxy did not see both instances up:\n" + up.stderr + f.read())

    def get(self, source="127.0.0.2"):
        """One GET on a connection of its own through the front port (HAProxy balances
        connections), or None when the instance closed without answering."""
        sock = socket.socket()
        sock.settimeout(TIMEOUT)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", self.front))
        conn = Connection.from_socket(sock)
        self.addCleanup(conn.close)
        conn.send(request_bytes("GET", self.origin.url("/fixed"),
                                headers=[("Connection", "close")]))
        return conn.read_response()

    def timed_get(self):
        started = time.monotonic()
        response = self.get()
        return response, (time.monotonic() - started) * 1000

    def logged(self, instance, predicate, at_least=1, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            lines = []
            if os.path.exists(instance.log_path):
                with open(instance.log_path, "rb") as f:
                    lines = [json.loads(raw) for raw in f.read().splitlines()]
            matching = [line for line in lines if predicate(line)]
            if len(matching) >= at_least or time.monotonic() > deadline:
                return matching
            time.sleep(0.05)

    def fresh_window(self, needed_s):
        """Until Redis's current fixed window (aligned on its clock) has `needed_s` left."""
        span = WINDOW * 1000
        left = span - self.redis.time_ms() % span
        if left < needed_s * 1000:
            time.sleep(left / 1000 + 0.05)

    def test_the_client_haproxy_reports_is_the_client_in_both_instances(self):
        for i in range(6):
            response = self.get()
            self.assertIsNotNone(response, f"request {i} got no answer")
            self.assertEqual((response.status, response.body), (200, FIXED_BODY))
        refused = [self.get(source="127.0.0.3") for _ in range(4)]
        self.assertEqual(refused, [None] * 4, "127.0.0.3 is outside client_allow")
        for instance in self.instances:
            served = self.logged(instance, lambda line: line["client_ip"] == "127.0.0.2"
                                 and line["target"].endswith("/fixed"))
            self.assertTrue(served, "an instance served none of the six")
            for line in served:
                self.assertEqual((line["status"], line["peer_ip"]), (200, "127.0.0.1"), line)
            closed = self.logged(instance, lambda line: line["client_ip"] == "127.0.0.3")
            self.assertTrue(closed, "an instance refused none of the four")
            for line in closed:
                self.assertEqual((line["decision"], line["plugin"], line["peer_ip"]),
                                 ("close", "access_policy", "127.0.0.1"), line)
        self.assertEqual(len(self.origin.requests_for("/fixed")), 6)

    def test_the_21st_request_gets_429_whichever_instance_serves_it(self):
        self.fresh_window(needed_s=15)
        statuses = [self.get().status for _ in range(REQUESTS)]
        self.assertEqual(statuses, [200] * REQUESTS)
        for i in range(4):
            response = self.get()
            self.assertEqual(response.status, 429, f"request {REQUESTS + 1 + i}: {response}")
            self.assertRegex(response.header("Retry-After") or "", r"^[1-9][0-9]*$")
        self.assertEqual(len(self.origin.requests_for("/fixed")), REQUESTS)
        for instance in self.instances:
            self.assertTrue(self.logged(instance, lambda line: line["status"] == 200),
                            "one instance served every allowed request")
            limited = self.logged(instance, lambda line: line["status"] == 429)
            self.assertTrue(limited, "an instance never answered 429")
            for line in limited:
                self.assertEqual((line["plugin"], line["client_ip"]),
                                 ("rate_limiter", "127.0.0.2"), line)

    def test_redis_down_follows_on_error_within_timeout_ms_and_recovers(self):
        self.assertEqual(self.get().status, 200)
        self.redis.pause()  # hung: the connections stay open, nothing answers
        hung = []
        for _ in range(4):  # both instances, whichever HAProxy picks
            response, ms = self.timed_get()
            self.assertEqual(response.status, 503, response)
            self.assertIn(f"Redis did not answer within {TIMEOUT_MS} ms".encode(), response.body)
            hung.append(ms)
        self.redis.resume()
        self.redis.kill()  # SIGKILL: the connections are reset
        time.sleep(0.2)
        killed = []
        for _ in range(4):
            response, ms = self.timed_get()
            self.assertEqual(response.status, 503, response)
            killed.append(ms)
        print(f"through HAProxy, timeout_ms {TIMEOUT_MS}, on_error deny: Redis hung: "
              + ", ".join(f"{ms:.0f}" for ms in hung) + " ms; killed: "
              + ", ".join(f"{ms:.0f}" for ms in killed) + " ms")
        for ms in hung:
            self.assertGreaterEqual(ms, TIMEOUT_MS - 10)
            self.assertLess(ms, TIMEOUT_MS + 1300, "a decision must cost about timeout_ms")
        for ms in killed:
            self.assertLess(ms, TIMEOUT_MS + 1300)

        self.redis.start()  # the same port, empty
        started = time.monotonic()
        while self.get().status != 200:
            self.assertLess(time.monotonic() - started, 15, "decisions never came back")
            time.sleep(0.1)
        print(f"Redis restarted: decisions are Redis's again after "
              f"{time.monotonic() - started:.2f} s")
        # Both instances count in the restarted Redis again: one limit for the pair.
        self.fresh_window(needed_s=15)
        allowed = 0
        while self.get().status == 200:
            allowed += 1
            self.assertLessEqual(allowed, REQUESTS)
        self.assertGreater(allowed, 0)
        for instance in self.instances:
            self.assertTrue(self.logged(instance, lambda line: line["status"] == 503),
                            "an instance never followed on_error")

    def test_sigterm_takes_an_instance_out_of_the_pool_without_losing_a_request(self):
        leaving = self.instances[0]
        leaving.signal(signal.SIGTERM)
        # For shutdown_delay (2 s) it still accepts while /_ready answers 503: HAProxy's
        # checks (every 1 s, fall 2) take it out; every request keeps being answered.
        deadline = time.monotonic() + 6
        answered = 0
        while time.monotonic() < deadline:
            response = self.get()
            self.assertIsNotNone(response, f"request {answered} lost while an instance left")
            self.assertIn(response.status, (200, 429), response)
            answered += 1
            time.sleep(0.05)
        self.assertEqual(leaving.wait(timeout=10), 0)
        self.assertIn("/_ready answers 503", leaving.stderr)


class DeploymentScript(ScaleOutTestCase):
    def test_run_sh_smoke_passes(self):
        env = dict(os.environ, PROXY_BIN=PROXY_BIN, FRONT_PORT=str(free_port()),
                   INSTANCE_1_PORT=str(free_port()), INSTANCE_2_PORT=str(free_port()),
                   REDIS_PORT=str(free_port()), DEPLOY_WORK=self.configs.path)
        done = subprocess.run([os.path.join(DEPLOY_DIR, "run.sh"), "smoke"], env=env,
                              capture_output=True, text=True, timeout=180,
                              stdin=subprocess.DEVNULL)
        print(done.stdout)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("instance-1 UP, instance-2 UP", done.stdout)
        self.assertIn("smoke: passed", done.stdout)
        self.assertRegex(done.stdout, r"served [1-9]\d* \+ [1-9]\d* by the two instances")


if __name__ == "__main__":
    unittest.main()

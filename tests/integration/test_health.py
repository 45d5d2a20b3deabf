"""The core's admin routes: /_health answers 200 while the proxy serves; /_ready answers
200, and 503 from the moment SIGTERM arrives, while the listener still accepts
(server.shutdown_delay) and in-flight work completes. Both are for admin.allow clients
only, like every admin endpoint."""

import signal
import socket
import time
import unittest

from httpclient import ForwardProxyTestCase, request_bytes
from origins import FIXED_BODY


def admin_request(path, method="GET"):
    return f"{method} {path} HTTP/1.1\r\nHost: proxy\r\n\r\n".encode("ascii")


class HealthAndReadiness(ForwardProxyTestCase):
    def admin(self, proxy, path, method="GET"):
        return self.exchange(proxy, admin_request(path, method), method)

    def test_both_answer_200_while_serving(self):
        proxy = self.start_proxy()
        for path, body in (("/_health", b"ok\n"), ("/_ready", b"ready\n")):
            response = self.admin(proxy, path)
            self.assertEqual(response.status, 200, path)
            self.assertEqual(response.body, body)
            self.assertEqual(response.header("Cache-Control"), "no-store")
            head = self.admin(proxy, path, "HEAD")
            self.assertEqual(head.status, 200)
            self.assertEqual(head.header("Content-Length"), str(len(body)))
        refused = self.admin(proxy, "/_health", "DELETE")
        self.assertEqual(refused.status, 405)
        self.assertEqual(refused.header("Allow"), "GET, HEAD")

    def test_ready_turns_503_at_sigterm_while_a_slow_response_completes(self):
        origin = self.start_origin()
        delay = 1.5
        proxy = self.start_proxy(server={"shutdown_delay": delay, "shutdown_grace": 10})
        size, seconds = 200_000, 4
        target = f"/slow/{size}/{seconds}"
        in_flight = self.connect(proxy)
        in_flight.send(request_bytes("GET", origin.url(target)))
        response = in_flight.read_head()  # the head: the transfer is under way
        self.assertEqual(response.status, 200)
        self.assertEqual(self.admin(proxy, "/_ready").status, 200)

        proxy.signal(signal.SIGTERM)
        signalled = time.monotonic()
        ready = self.poll_ready_until(proxy, 503, within=1.0)
        self.assertEqual(ready.status, 503, "/_ready never answered 503 after SIGTERM")
        self.assertEqual(ready.body, b"shutting down\n")
        # Still serving meanwhile: the process is healthy and new clients are forwarded.
        self.assertEqual(self.admin(proxy, "/_health").status, 200)
        forwarded = self.exchange(proxy, request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(forwarded.body, FIXED_BODY)
        self.assertLess(time.monotonic() - signalled, delay,
                        "the checks above ran past shutdown_delay: the test proves nothing")

        # Then the listener closes, while the slow response is still on its way.
        self.assertTrue(_stops_accepting(proxy.port, within=delay + 2),
                        "still accepting connections after shutdown_delay")
        self.assertIsNone(proxy.proc.poll(), "exited before the slow response finished")
        in_flight.read_body(response, keep_body=False)
        self.assertTrue(response.complete, f"{response.body_length} of {size} bytes")
        self.assertEqual(response.body_sha256, origin.wait_download(target)[1])
        self.assertEqual(proxy.wait(timeout=10), 0, proxy.stderr)
        self.assertIn("still accepting for 1500 ms (server.shutdown_delay)", proxy.stderr)

    def test_second_signal_skips_the_rest_of_the_delay(self):
        proxy = self.start_proxy(server={"shutdown_delay": 30})
        proxy.signal(signal.SIGTERM)
        self.assertEqual(self.poll_ready_until(proxy, 503, within=1.0).status, 503)
        started = time.monotonic()
        proxy.signal(signal.SIGINT)
        self.assertEqual(proxy.wait(timeout=10), 0, proxy.stderr)
        self.assertLess(time.monotonic() - started, 3.0)

    def test_refused_for_a_client_not_in_admin_allow(self):
        proxy = self.start_proxy(admin={"allow": ["192.0.2.0/24"]})
        for path in ("/_health", "/_ready"):
            response = self.admin(proxy, path)
            self.assertEqual(response.status, 403, path)
            self.assertNotIn(b"ok", response.body)
        self.assertIn(b"admin endpoints are not available to this client",
                      self.admin(proxy, "/_ready").body)

    def test_a_plugin_cannot_take_a_core_route(self):
        code, _, stderr = self.check_plugin_config(["http_parser", "metrics"],
                                                   {"metrics": {"path": "/_ready"}})
        self.assertEqual(code, 2, stderr)
        self.assertIn("endpoint '/_ready' is served by the core", stderr)

    def poll_ready_until(self, proxy, status, within):
        """GET /_ready on new connections until it answers `status` or `within` seconds
        pass (the signal reaches the proxy's main thread asynchronously); the last answer."""
        deadline = time.monotonic() + within
        while True:
            response = self.admin(proxy, "/_ready")
            if response.status == status or time.monotonic() >= deadline:
                return response
            time.sleep(0.02)


def _stops_accepting(port, within):
    """True once a new connection to `port` is refused, polled for `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
        except ConnectionRefusedError:
            return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


if __name__ == "__main__":
    unittest.main()

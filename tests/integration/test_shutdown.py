"""Graceful shutdown: on SIGTERM the proxy stops accepting, lets a transfer in flight
finish (within shutdown_grace) and exits 0; connections that are merely idle do not hold
it up."""

import signal
import socket
import time
import unittest

from httpclient import ForwardProxyTestCase, request_bytes
from origins import FIXED_BODY


class GracefulShutdown(ForwardProxyTestCase):
    def test_sigterm_during_slow_download_completes_it(self):
        origin = self.start_origin()
        proxy = self.start_proxy(server={"shutdown_grace": 10})
        size = 200_000
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", origin.url(f"/slow/{size}/2")))
        response = conn.read_head()  # the head: the transfer is under way
        self.assertEqual(response.status, 200)
        proxy.signal(signal.SIGTERM)
        self.assertTrue(_stops_accepting(proxy.port, within=2),
                        "still accepting connections after SIGTERM")
        self.assertIsNone(proxy.proc.poll(), "exited before the download finished")
        # The rest of the body still arrives in full.
        conn.read_body(response, keep_body=False)
        self.assertTrue(response.complete, f"{response.body_length} of {size} bytes")
        self.assertEqual(response.body_sha256, origin.wait_download(f"/slow/{size}/2")[1])
        self.assertEqual(proxy.wait(timeout=10), 0, proxy.stderr)

    def test_sigterm_with_idle_keep_alive_client_exits_promptly(self):
        origin = self.start_origin()
        proxy = self.start_proxy(server={"shutdown_grace": 10})
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", origin.url("/fixed")))
        response = conn.read_response()
        self.assertEqual(response.body, FIXED_BODY)
        self.assertFalse(response.closes())
        started = time.monotonic()
        proxy.signal(signal.SIGTERM)
        self.assertEqual(proxy.wait(timeout=10), 0, proxy.stderr)
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertTrue(conn.wait_closed(2))

    def test_sigterm_with_silent_upstream_ends_after_grace(self):
        """A transaction that never ends is cut at shutdown_grace, still exit 0."""
        origin = self.start_origin()
        proxy = self.start_proxy(server={"shutdown_grace": 1})
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", origin.url("/never")))
        origin.wait_for_requests(1)
        started = time.monotonic()
        proxy.signal(signal.SIGTERM)
        self.assertEqual(proxy.wait(timeout=10), 0, proxy.stderr)
        self.assertLess(time.monotonic() - started, 3.0)
        self.assertTrue(conn.wait_closed(2))


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

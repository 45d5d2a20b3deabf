"""The core checks what a parser plugin returns. The test-only `lying_parser` (plain C
against abi.h) reports having consumed more bytes than it was given; a core that believed
it would read past its own buffer and send those bytes upstream."""

import json
import os
import unittest

from httpclient import ForwardProxyTestCase
from proxytest import PLUGIN_DIR, ProxyProcess

TEST_PLUGIN_DIR = os.environ.get("PROXY_TEST_PLUGIN_DIR", "")
BODY = b"0123456789"  # the lying parser frames every request body as 10 bytes


class ParserTrust(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(TEST_PLUGIN_DIR and os.path.isdir(TEST_PLUGIN_DIR),
                        "PROXY_TEST_PLUGIN_DIR must name the test plugins' folder")
        self.origin = self.start_origin()
        config = {
            "server": {"listen": "127.0.0.1", "port": 0, "workers": 1, "shutdown_grace": 5},
            "plugins": {"dirs": [PLUGIN_DIR, TEST_PLUGIN_DIR], "enabled": ["lying_parser"]},
        }
        path = self.configs.write("lying.yaml", json.dumps(config))
        self.proxy = ProxyProcess("--config", path)
        self.addCleanup(self._stop_proxy, self.proxy)
        self.origin.script("/fine", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + BODY)

    def post(self, path):
        head = f"POST {self.origin.url(path)} HTTP/1.1\r\n\r\n".encode()
        conn = self.connect(self.proxy)
        conn.send(head + BODY)
        return conn.read_response()

    def assert_still_serves(self):
        response = self.post("/fine")
        self.assertIsNotNone(response)
        self.assertEqual((response.status, response.body), (200, BODY))

    def test_body_length_past_the_input_fails_the_request(self):
        response = self.post("/body-overrun")
        self.assertIsNotNone(response, "closed without an answer")
        self.assertEqual(response.status, 500, response)
        # Whatever reached the origin, it is never more than the client sent: the head the
        # proxy wrote plus at most the 10 body bytes.
        sent_upstream = self.origin.all_raw_bytes()
        self.assertLessEqual(len(sent_upstream.split(b"\r\n\r\n", 1)[-1]), len(BODY),
                             sent_upstream[:200])
        self.assert_still_serves()
        self.assertIn("HTTP parser plugin returned a body length outside the input",
                      self.proxy.stderr)

    def test_head_length_past_the_input_fails_the_request(self):
        response = self.post("/head-overrun")
        self.assertIsNotNone(response, "closed without an answer")
        self.assertEqual(response.status, 500, response)
        self.assertEqual(self.origin.connections_accepted, 0)
        self.assert_still_serves()


if __name__ == "__main__":
    unittest.main()

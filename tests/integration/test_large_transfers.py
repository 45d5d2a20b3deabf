"""Large bodies stream through the proxy with bounded memory: a download and an upload
of big_transfer_bytes() (1 GiB; less under sanitizers or with PROXY_TEST_BIG_BYTES)
arrive byte-exact while the proxy's resident set stays within RSS_GROWTH_LIMIT of where
it started. A proxy that buffered whole bodies would grow by the body size."""

import hashlib
import json
import time
import unittest

from httpclient import ForwardProxyTestCase, RssSampler, big_transfer_bytes, request_bytes
from origins import pattern_blocks

RSS_GROWTH_LIMIT = 64 << 20


class LargeTransfers(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.size = big_transfer_bytes()
        self.origin = self.start_origin()
        self.proxy = self.start_proxy(timeouts={"idle": 20})
        # Warm up (first request allocates the parser, thread-local state, ...).
        warm = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/fixed")))
        self.assertEqual(warm.status, 200)

    def test_big_download(self):
        conn = self.connect(self.proxy, timeout=30)
        sampler = RssSampler(self.proxy.proc.pid)
        started = time.monotonic()
        conn.send(request_bytes("GET", self.origin.url(f"/download/{self.size}")))
        head = conn.read_head()
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("Content-Length"), str(self.size))
        received, digest = _drain(conn, self.size)
        growth = sampler.stop()
        elapsed = time.monotonic() - started
        self.assertEqual(received, self.size)
        sent_length, sent_sha = self.origin.wait_download(f"/download/{self.size}")
        self.assertEqual((received, digest), (sent_length, sent_sha))
        self.assertLess(growth, RSS_GROWTH_LIMIT, f"RSS grew by {growth >> 20} MiB")
        print(f"\n  download {self.size >> 20} MiB in {elapsed:.1f} s, "
              f"RSS growth {growth >> 20} MiB")

    def test_big_upload(self):
        conn = self.connect(self.proxy, timeout=30)
        sampler = RssSampler(self.proxy.proc.pid)
        started = time.monotonic()
        conn.send(request_bytes("POST", self.origin.url("/echo"),
                                [("Content-Length", str(self.size))]))
        digest = hashlib.sha256()
        for block in pattern_blocks(self.size, block=1 << 20):
            digest.update(block)
            conn.send(block)
        response = conn.read_response()
        growth = sampler.stop()
        elapsed = time.monotonic() - started
        self.assertEqual(response.status, 200)
        self.assertEqual(json.loads(response.body),
                         {"length": self.size, "sha256": digest.hexdigest()})
        self.assertLess(growth, RSS_GROWTH_LIMIT, f"RSS grew by {growth >> 20} MiB")
        print(f"\n  upload {self.size >> 20} MiB in {elapsed:.1f} s, "
              f"RSS growth {growth >> 20} MiB")


def _drain(conn, length):
    """Reads exactly `length` body bytes (what the head read left in the buffer first)
    into one reused buffer; returns (bytes received, sha256 hex)."""
    digest = hashlib.sha256()
    digest.update(conn.buffer)
    received = len(conn.buffer)
    conn.buffer.clear()
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    while received < length:
        n = conn.sock.recv_into(view, min(len(buffer), length - received))
        if n == 0:
            break
        digest.update(view[:n])
        received += n
    return received, digest.hexdigest()


if __name__ == "__main__":
    unittest.main()

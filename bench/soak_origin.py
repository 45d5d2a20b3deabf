#!/usr/bin/env python3
"""The soak test's origin when nginx is not installed: the integration tests' OriginServer
(tests/integration/origins.py) on a free loopback port. Prints the port on stdout, then
serves until SIGTERM or SIGINT, or --max-seconds at most."""
import argparse
import os
import signal
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from origins import OriginServer  # noqa: E402


class NoDelayOrigin(OriginServer):
    """OriginServer writes a head and its body in two sends: with Nagle on, the body
    waits for the peer's delayed ACK (about 40 ms), which would swamp every latency the
    soak test measures."""

    def _serve_connection(self, conn, conn_id):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super()._serve_connection(conn, conn_id)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-seconds", type=float, default=3600)
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    origin = NoDelayOrigin()
    print(origin.port, flush=True)
    stop.wait(args.max_seconds)
    origin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

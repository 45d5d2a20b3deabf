"""Runs inside a network namespace of its own (test_ipv6_client_prefix.py starts it with
unshare), where it can give the loopback interface IPv6 addresses from two /64s: clients
of one /64 count as one client for max_connections_per_ip and for the rate limiter."""

import socket
import subprocess
import unittest

from httpclient import Connection, ForwardProxyTestCase, request_bytes

PROXY_IP = "2001:db8:1:2::1"
SAME_64 = ["2001:db8:1:2::10", "2001:db8:1:2::20", "2001:db8:1:2:ffff::30"]
OTHER_64 = "2001:db8:1:3::10"


def setUpModule():
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for address in [PROXY_IP, *SAME_64, OTHER_64]:
        subprocess.run(["ip", "-6", "addr", "add", f"{address}/128", "dev", "lo", "nodad"],
                       check=True)


def connect_from(source, port):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.bind((source, 0))
    sock.connect((PROXY_IP, port))
    return sock


def closed_at_once(sock, within=1.0):
    """True when the proxy closes `sock` without a word within `within` seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


class Ipv6ClientPrefix(ForwardProxyTestCase):
    def test_one_64_is_one_client_for_the_per_ip_cap(self):
        # One worker: connections start in the order they were accepted.
        proxy = self.start_proxy(server={"listen": PROXY_IP, "max_connections_per_ip": 2,
                                         "workers": 1, "ipv6_client_prefix": 64})
        held = [connect_from(source, proxy.port) for source in SAME_64[:2]]
        for sock in held:
            self.addCleanup(sock.close)
        third = connect_from(SAME_64[2], proxy.port)
        self.addCleanup(third.close)
        self.assertTrue(closed_at_once(third), "a third address of the same /64 was admitted")
        other = connect_from(OTHER_64, proxy.port)
        self.addCleanup(other.close)
        self.assertFalse(closed_at_once(other), "a client of another /64 was refused")

    def test_a_128_prefix_counts_each_address(self):
        proxy = self.start_proxy(server={"listen": PROXY_IP, "max_connections_per_ip": 1,
                                         "ipv6_client_prefix": 128})
        socks = [connect_from(source, proxy.port) for source in SAME_64[:2]]
        for sock in socks:
            self.addCleanup(sock.close)
        self.assertFalse(any(closed_at_once(sock, 0.5) for sock in socks))

    def test_the_rate_limiter_counts_the_64(self):
        origin = self.start_origin(host="::1")
        proxy = self.start_proxy(server={"listen": PROXY_IP, "ipv6_client_prefix": 64},
                                 upstream={"local_destinations": "any"},
                                 enabled=["http_parser", "rate_limiter"],
                                 settings={"rate_limiter": {"requests": 2, "window": 600}})
        statuses = []
        for source in SAME_64:
            conn = Connection.from_socket(connect_from(source, proxy.port))
            self.addCleanup(conn.close)
            conn.send(request_bytes("GET", origin.url("/fixed")))
            statuses.append(conn.read_response().status)
        self.assertEqual(statuses, [200, 200, 429])
        conn = Connection.from_socket(connect_from(OTHER_64, proxy.port))
        self.addCleanup(conn.close)
        conn.send(request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(conn.read_response().status, 200)


if __name__ == "__main__":
    unittest.main()

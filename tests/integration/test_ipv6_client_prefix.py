"""IPv6 clients are counted per server.ipv6_client_prefix network. The checks need IPv6
addresses from two prefixes on this host, so they run in a network namespace made for
them (netns_ipv6_prefix.py, started with unshare): nothing on the host's own network
changes."""

import os
import subprocess
import sys
import unittest


class Ipv6ClientPrefixInNamespace(unittest.TestCase):
    def test_in_a_namespace_of_its_own(self):
        unshare = ["unshare", "--net"] if os.geteuid() == 0 else ["sudo", "-n", "-E", "unshare",
                                                                   "--net"]
        here = os.path.dirname(os.path.abspath(__file__))
        done = subprocess.run([*unshare, sys.executable, "-m", "unittest", "-v",
                               "netns_ipv6_prefix"], cwd=here, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("Ran 3 tests", done.stderr)


if __name__ == "__main__":
    unittest.main()

"""packaging/systemd/proxy-server.service: the settings the operations design asks for,
a descriptor limit that fits the shipped max_connections, an ExecStart the real binary
accepts, and `systemd-analyze verify` without a complaint. systemd-analyze verify works
without systemd running as PID 1 (in a container, say); where it is not installed those
tests are skipped with the reason, and ctest reports the suite as skipped."""

import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import unittest

from proxytest import PROXY_BIN, SOURCE_DIR, run_cli

UNIT = pathlib.Path(SOURCE_DIR) / "packaging" / "systemd" / "proxy-server.service"
DEFAULT_CONFIG = pathlib.Path(SOURCE_DIR) / "config" / "default.yaml"
INSTALLED_BINARY = "/usr/bin/proxy-server"
# core/app/descriptor_limit.hpp: two descriptors per connection plus this many aside.
RESERVED_DESCRIPTORS = 128


def read_unit(path):
    """{section: {key: [values]}} of a unit file (a key may repeat)."""
    sections, current = {}, None
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def verify(unit_path, *options, env=None):
    """(exit code, output) of `systemd-analyze verify` on one unit file."""
    done = subprocess.run(["systemd-analyze", "verify", *options, str(unit_path)],
                          capture_output=True, text=True, timeout=60, env=env,
                          stdin=subprocess.DEVNULL)
    return done.returncode, (done.stdout + done.stderr).strip()


def unit_runnable_here(unit_text, binary):
    """The unit with its ExecStart binary replaced by `binary`: verify checks that the
    command exists, and /usr/bin/proxy-server exists only where the package is installed."""
    replaced = unit_text.replace(f"ExecStart={INSTALLED_BINARY} ", f"ExecStart={binary} ", 1)
    if replaced == unit_text:
        raise AssertionError(f"no ExecStart={INSTALLED_BINARY} in the unit")
    return replaced


class SystemdUnit(unittest.TestCase):
    def setUp(self):
        self.unit = read_unit(UNIT)
        self.service = self.unit["Service"]

    def setting(self, key):
        values = self.service.get(key)
        self.assertTrue(values, f"[Service] has no {key}=")
        return values[-1]

    def test_type_notify_with_reload_by_sighup(self):
        self.assertEqual(self.setting("Type"), "notify")
        self.assertEqual(self.setting("ExecReload"), "/bin/kill -HUP $MAINPID")

    def test_execstart_is_the_installed_binary_on_the_etc_config(self):
        command = self.setting("ExecStart").split()
        self.assertEqual(command, [INSTALLED_BINARY, "--config", "/etc/proxy-server/default.yaml"])

    def test_execstart_arguments_are_accepted_by_the_binary(self):
        """The same arguments on the source tree's config: one --config (so override.yaml
        beside it is merged), and the result starts."""
        args = self.setting("ExecStart").split()[1:]
        args[args.index("/etc/proxy-server/default.yaml")] = str(DEFAULT_CONFIG)
        code, out, err = run_cli(*args, "--check-config")
        self.assertEqual(code, 0, err)
        self.assertIn("config OK", out)
        code, out, err = run_cli(*args, "--print-config")
        self.assertEqual(code, 0, err)
        self.assertIn(str(DEFAULT_CONFIG.parent / "override.yaml"), out,
                      "override.yaml beside the one --config is merged")

    def test_hardening(self):
        expected = {
            "DynamicUser": "yes",
            "NoNewPrivileges": "yes",
            "ProtectSystem": "strict",
            "ProtectHome": "yes",
            "PrivateTmp": "yes",
            "CapabilityBoundingSet": "CAP_NET_BIND_SERVICE",
        }
        for key, value in expected.items():
            self.assertEqual(self.setting(key), value, key)
        self.assertEqual(self.unit["Install"]["WantedBy"], ["multi-user.target"])

    def test_descriptor_limit_fits_the_shipped_max_connections(self):
        text = DEFAULT_CONFIG.read_text(encoding="utf-8")
        max_connections = int(re.search(r"^\s+max_connections:\s*(\d+)", text, re.M).group(1))
        needed = 2 * max_connections + RESERVED_DESCRIPTORS
        self.assertGreaterEqual(int(self.setting("LimitNOFILE")), needed)

    def test_systemd_analyze_verify_is_clean(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze not installed (Debian: systemd): unit not verified")
        with tempfile.TemporaryDirectory(prefix="proxy-unit-") as work:
            unit = pathlib.Path(work) / "proxy-server.service"
            unit.write_text(unit_runnable_here(UNIT.read_text(encoding="utf-8"), PROXY_BIN),
                            encoding="utf-8")
            # Documentation=man:proxy-server(1) is checked with the package's man page by
            # test_debian_package; here the man page is not installed.
            code, output = verify(unit, "--man=no")
        self.assertEqual(code, 0, output)
        self.assertEqual(output, "", "systemd-analyze verify printed warnings")

    def test_systemd_analyze_verify_finds_a_broken_unit(self):
        """The check above can fail: a typo in a key and a missing binary are reported."""
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze not installed (Debian: systemd)")
        with tempfile.TemporaryDirectory(prefix="proxy-unit-") as work:
            unit = pathlib.Path(work) / "proxy-server.service"
            text = unit_runnable_here(UNIT.read_text(encoding="utf-8"), PROXY_BIN)
            unit.write_text(text.replace("ProtectHome=", "ProtectHomme="), encoding="utf-8")
            code, output = verify(unit, "--man=no")
            self.assertIn("Unknown key 'ProtectHomme'", output)
            unit.write_text(UNIT.read_text(encoding="utf-8"), encoding="utf-8")
            code, output = verify(unit, "--man=no")
            if os.path.exists(INSTALLED_BINARY):
                self.skipTest(f"{INSTALLED_BINARY} exists here: a missing binary cannot be shown")
            self.assertNotEqual(code, 0, output)
            self.assertIn(INSTALLED_BINARY, output)


if __name__ == "__main__":
    unittest.main()

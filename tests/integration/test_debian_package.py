"""The Debian packages as an operator and a plugin author meet them: CPack builds
proxy-server and proxy-server-dev from the build tree under test, lintian reports no
error, and the packaged files run.

The packages are unpacked with `dpkg-deb -x` into a scratch root rather than installed
with `dpkg --root`: that needs no root, no dpkg database in the scratch root and no
chroot, and loses nothing, since the packages have no maintainer scripts (the unit uses
DynamicUser=, so there is no account to create). The packaged binary finds the packaged
plugins relative to itself (<prefix>/lib/proxy-server/plugins beside <prefix>/bin), so
it runs from the scratch root as it would from /usr."""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import sdk_install
from httpclient import ForwardProxyTestCase, is_sanitizer_build, request_bytes
from origins import FIXED_BODY
from proxytest import SOURCE_DIR, ProxyProcess, run_cli
from test_systemd_unit import unit_runnable_here, verify

BUILD_DIR = os.environ.get("PROXY_BUILD_DIR", "")
BUNDLED = ("http_parser", "access_policy", "sni_policy", "rate_limiter", "metrics",
           "json_log", "proxy_auth", "upstream_router")
ENABLED = BUNDLED[:-2]  # config/default.yaml enables all but proxy_auth and upstream_router
UNIT_PATH = "lib/systemd/system/proxy-server.service"


def run(command, timeout=600, env=None):
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


def must(command, timeout=600, env=None):
    code, out, err = run(command, timeout, env)
    if code != 0:
        raise AssertionError(f"{' '.join(map(str, command))} exited {code}:\n{out}\n{err}")
    return out


def missing_tool(name, package):
    """Skips, or fails under CI=true, when a tool the test needs is not installed."""
    if shutil.which(name):
        return None
    return f"{name} not found (Debian: {package}; scripts/install-deps.sh installs it)"


class DebianPackages(ForwardProxyTestCase):
    @classmethod
    def setUpClass(cls):
        if is_sanitizer_build():
            raise unittest.SkipTest("a sanitizer build: packages are made from the plain "
                                    "build (scripts/test.sh), whose binaries are what ships")
        for tool, package in (("cpack", "cmake"), ("dpkg-deb", "dpkg"),
                              ("lintian", "lintian")):
            reason = missing_tool(tool, package)
            if reason:
                if os.environ.get("CI", "").lower() == "true":
                    raise AssertionError(reason)
                raise unittest.SkipTest(reason)
        if not BUILD_DIR:
            raise AssertionError("PROXY_BUILD_DIR must name the build tree")
        cls.timings = {}
        cls.work = pathlib.Path(tempfile.mkdtemp(prefix="proxy-deb-"))
        try:
            started = time.monotonic()
            must(["cpack", "--config", pathlib.Path(BUILD_DIR) / "CPackConfig.cmake",
                  "-B", cls.work / "out"])
            cls.timings["cpack"] = time.monotonic() - started
            cls.debs = {}
            for deb in (cls.work / "out").glob("*.deb"):
                cls.debs[must(["dpkg-deb", "--field", deb, "Package"]).strip()] = deb
            cls.root = cls.work / "root"        # proxy-server alone
            cls.dev_root = cls.work / "dev"     # proxy-server-dev alone
            for name, root in (("proxy-server", cls.root), ("proxy-server-dev", cls.dev_root)):
                if name in cls.debs:
                    must(["dpkg-deb", "-x", cls.debs[name], root])
        except BaseException:
            shutil.rmtree(cls.work, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)
        print("timings: " + ", ".join(f"{step} {seconds:.1f} s"
                                      for step, seconds in cls.timings.items()), file=sys.stderr)

    def timed(self, step, function, *args, **kwargs):
        started = time.monotonic()
        try:
            return function(*args, **kwargs)
        finally:
            self.timings[step] = time.monotonic() - started

    @property
    def binary(self):
        return self.root / "usr" / "bin" / "proxy-server"

    @property
    def etc(self):
        return self.root / "etc" / "proxy-server"

    def contents(self, name):
        """The paths in package `name`, as ./relative paths."""
        listing = must(["dpkg-deb", "--contents", self.debs[name]])
        return {line.split()[5].rstrip("/") for line in listing.splitlines()}

    def control(self, name, field):
        return must(["dpkg-deb", "--field", self.debs[name], field]).strip()

    # -- the packages ---------------------------------------------------------------------

    def test_cpack_makes_both_packages(self):
        self.assertEqual(sorted(self.debs), ["proxy-server", "proxy-server-dev"])
        self.assertEqual(self.control("proxy-server-dev", "Architecture"), "all")

    def test_lintian_reports_no_error(self):
        code, out, err = self.timed("lintian", run,
                                    ["lintian", "--fail-on", "error", *self.debs.values()])
        report = (out + err).strip()
        if report:
            print("lintian:\n" + report, file=sys.stderr)
        self.assertEqual(code, 0, report)
        errors = [line for line in report.splitlines() if line.startswith("E:")]
        self.assertEqual(errors, [])

    def test_server_package_holds_binary_plugins_config_unit_and_man_page(self):
        paths = self.contents("proxy-server")
        expected = {"./usr/bin/proxy-server", "./etc/proxy-server/default.yaml",
                    "./etc/proxy-server/override.yaml", "./" + UNIT_PATH,
                    "./usr/share/man/man1/proxy-server.1.gz",
                    "./usr/share/doc/proxy-server/copyright",
                    "./usr/share/doc/proxy-server/changelog.gz"}
        expected |= {f"./usr/lib/proxy-server/plugins/lib{name}.so" for name in BUNDLED}
        self.assertLessEqual(expected, paths)
        self.assertFalse([p for p in paths if p.startswith("./usr/include")], "SDK in -dev only")
        conffiles = must(["dpkg-deb", "--info", self.debs["proxy-server"], "conffiles"])
        self.assertEqual(conffiles.split(), ["/etc/proxy-server/default.yaml",
                                             "/etc/proxy-server/override.yaml"])
        depends = self.control("proxy-server", "Depends")
        for library in ("libsystemd0", "libyaml-cpp", "libspdlog", "libcrypt1"):
            self.assertIn(library, depends)
        # What is packaged is what the source tree holds.
        for packaged, source in ((self.etc / "default.yaml", "config/default.yaml"),
                                 (self.etc / "override.yaml", "config/override.yaml"),
                                 (self.root / UNIT_PATH,
                                  "packaging/systemd/proxy-server.service")):
            self.assertEqual(packaged.read_bytes(),
                             (pathlib.Path(SOURCE_DIR) / source).read_bytes(), source)

    def test_dev_package_holds_the_sdk_only(self):
        paths = self.contents("proxy-server-dev")
        for path in ("./usr/include/proxy/sdk/abi.h", "./usr/include/proxy/sdk.hpp",
                     "./usr/lib/cmake/ProxySdk/ProxySdkConfig.cmake",
                     "./usr/share/doc/proxy-server-dev/copyright"):
            self.assertIn(path, paths)
        self.assertFalse([p for p in paths if p.startswith(("./usr/bin", "./etc"))])

    def test_man_page_is_the_binarys_help(self):
        page = must(["zcat", self.root / "usr/share/man/man1/proxy-server.1.gz"])
        for text in ("check\\-config", "/etc/proxy-server/override.yaml", "SIGTERM",
                     "NOTIFY_SOCKET"):
            self.assertIn(text, page)

    # -- the packaged binary ------------------------------------------------------------

    def test_packaged_binary_checks_the_packaged_config_with_the_packaged_plugins(self):
        code, out, err = run_cli("--config", self.etc / "default.yaml", "--check-config",
                                 "--log-level", "debug", binary=str(self.binary))
        self.assertEqual(code, 0, err)
        self.assertIn("config OK; plugins: " + ", ".join(f"{name} 0.1.0" for name in ENABLED),
                      out)
        plugin_dir = self.root / "usr" / "lib" / "proxy-server" / "plugins"
        for name in ENABLED:
            self.assertIn(f"loaded plugin {name} 0.1.0 from {plugin_dir}/lib{name}.so", err)
        code, out, err = run_cli("--config", self.etc / "default.yaml", "--print-config",
                                 binary=str(self.binary))
        self.assertEqual(code, 0, err)
        self.assertIn(str(self.etc / "override.yaml"), out, "override.yaml is merged")
        self.assertIn("port: 3128", out)

    def test_packaged_binary_serves_with_the_packaged_config(self):
        origin = self.start_origin()
        free_port = self.configs.write("port.yaml", json.dumps(
            {"server": {"port": 0, "workers": 1, "shutdown_grace": 5}}))
        proxy = ProxyProcess("--config", self.etc / "default.yaml", "--config",
                             self.etc / "override.yaml", "--config", free_port,
                             binary=str(self.binary))
        self.addCleanup(self._stop_proxy, proxy)
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(conn.read_response().body, FIXED_BODY)
        # On the same connection: the forwarded request is counted before this is read.
        conn.send(b"GET /_metrics HTTP/1.1\r\nHost: p\r\n\r\n")
        metrics = conn.read_response()
        self.assertEqual(metrics.status, 200)
        self.assertIn(b'proxy_responses_total{code="200"} 1\n', metrics.body)
        health = self.exchange(proxy, b"GET /_health HTTP/1.1\r\nHost: p\r\n\r\n")
        self.assertEqual(health.status, 200)
        self.assertEqual(proxy.stop(), 0, proxy.stderr)

    def test_packaged_unit_verifies_with_the_packaged_man_page(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze not installed (Debian: systemd): unit not verified")
        unit = self.work / "proxy-server.service"
        unit.write_text(unit_runnable_here((self.root / UNIT_PATH).read_text(encoding="utf-8"),
                                           str(self.binary)), encoding="utf-8")
        # man(1) finds the packaged page through MANPATH, so Documentation= is checked too.
        env = dict(os.environ, MANPATH=str(self.root / "usr" / "share" / "man"))
        code, output = verify(unit, env=env)
        self.assertEqual(code, 0, output)
        self.assertEqual(output, "")

    # -- the -dev package ---------------------------------------------------------------

    def test_header_stamp_builds_against_the_dev_package_alone(self):
        build = self.timed("build header_stamp", sdk_install.build_plugin,
                           pathlib.Path(SOURCE_DIR) / "examples" / "header_stamp", self.work,
                           self.dev_root / "usr", sanitize=is_sanitizer_build())
        self.assertTrue((build / "libheader_stamp.so").exists())
        cache = (build / "CMakeCache.txt").read_text(encoding="utf-8")
        self.assertIn(f"ProxySdk_DIR:PATH={self.dev_root}/usr/lib/cmake/ProxySdk", cache)
        config = self.configs.write("stamp.yaml", json.dumps({
            "server": {"port": 0},
            "plugins": {"dirs": [str(build)], "enabled": ["http_parser", "header_stamp"],
                        "settings": {"header_stamp": {"name": "X-Team", "value": "blue"}}}}))
        code, out, err = run_cli("--config", config, "--check-config", binary=str(self.binary))
        self.assertEqual(code, 0, err)
        self.assertIn("config OK; plugins: http_parser 0.1.0, header_stamp 1.0.0", out)


if __name__ == "__main__":
    unittest.main()

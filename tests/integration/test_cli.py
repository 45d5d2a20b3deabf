"""The command line: exit codes, one-line errors that name the file and key, the
one-shot commands, and a clean stop on SIGTERM and SIGINT."""

import os
import signal
import socket
import unittest

from proxytest import (PROXY_BIN, SOURCE_DIR, ProxyProcess, ProxyTestCase, minimal_config,
                       run_cli)


def one_line(text):
    return [line for line in text.splitlines() if line.strip()]


class OneShotCommands(ProxyTestCase):
    def test_version(self):
        code, out, _ = run_cli("--version")
        self.assertEqual(code, 0)
        self.assertRegex(out, r"^proxy-server \d+\.\d+\.\d+")

    def test_help(self):
        code, out, _ = run_cli("--help")
        self.assertEqual(code, 0)
        for flag in ("--config", "--log-level", "--check-config", "--print-config",
                     "--list-plugins", "--version", "--help"):
            self.assertIn(flag, out)

    def test_check_config_on_shipped_default(self):
        code, out, err = run_cli("--check-config", "--config", "config/default.yaml",
                                 cwd=SOURCE_DIR)
        self.assertEqual(code, 0, err)
        for name in ("http_parser", "access_policy", "sni_policy", "rate_limiter", "metrics",
                     "json_log"):
            self.assertIn(name, out)

    def test_default_config_and_its_override_used_without_config_flag(self):
        code, out, err = run_cli("--print-config", cwd=SOURCE_DIR)
        self.assertEqual(code, 0, err)
        # config/override.yaml moves the port and blocks a few domains; the rest of
        # default.yaml stays.
        self.assertIn("port: 3128", out)
        self.assertIn("doubleclick.net", out)
        self.assertIn("max_connections: 10000", out)
        self.assertIn("on_missing_sni: block", out)

    def test_print_config_shows_merged_values(self):
        base = self.configs.write("base.yaml", minimal_config())
        extra = self.configs.write("extra.yaml", "server:\n  max_connections: 77\n")
        code, out, err = run_cli("--print-config", "--config", base, "--config", extra)
        self.assertEqual(code, 0, err)
        self.assertIn("max_connections: 77", out)
        self.assertIn("127.0.0.1", out)

    def test_list_plugins(self):
        config = self.configs.write("c.yaml", minimal_config())
        code, out, err = run_cli("--list-plugins", "--config", config)
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"http_parser\s+\S+\s+enabled")


class UsageErrors(ProxyTestCase):
    def assert_usage_error(self, args, *needles):
        code, out, err = run_cli(*args)
        self.assertEqual(code, 2, f"stdout={out!r} stderr={err!r}")
        lines = one_line(err)
        self.assertEqual(len(lines), 1, err)
        for needle in needles:
            self.assertIn(needle, lines[0])

    def test_unknown_option(self):
        self.assert_usage_error(["--frobnicate"], "--frobnicate")

    def test_option_without_value(self):
        self.assert_usage_error(["--config"], "--config")

    def test_bad_log_level(self):
        self.assert_usage_error(["--log-level", "loud"], "--log-level", "loud")

    def test_positional_argument(self):
        self.assert_usage_error(["stray"], "stray")

    def test_two_commands(self):
        self.assert_usage_error(["--version", "--help"], "--help")

    def test_missing_config_file(self):
        missing = os.path.join(self.configs.path, "nope.yaml")
        self.assert_usage_error(["--check-config", "--config", missing], "nope.yaml")

    def test_misspelt_key_names_file_and_key(self):
        config = self.configs.write("typo.yaml", minimal_config("limits:\n  max_header_bites: 10\n"))
        self.assert_usage_error(["--check-config", "--config", config], "typo.yaml",
                                "max_header_bites")

    def test_wrong_type_names_key(self):
        config = self.configs.write("type.yaml", "server:\n  port: [1, 2]\n")
        self.assert_usage_error(["--check-config", "--config", config], "type.yaml",
                                "server.port")

    def test_yaml_syntax_error_names_line(self):
        config = self.configs.write("syntax.yaml", "server:\n  port: 1\n bad: [\n")
        self.assert_usage_error(["--check-config", "--config", config], "syntax.yaml")

    def test_plugin_not_found_names_plugin_and_folders(self):
        config = self.configs.write("p.yaml", minimal_config(
            enabled=("http_parser", "no_such_plugin")))
        self.assert_usage_error(["--check-config", "--config", config], "no_such_plugin",
                                "searched")

    def test_no_http_parser_refuses_to_start(self):
        config = self.configs.write("noparser.yaml", minimal_config(enabled=()))
        self.assert_usage_error(["--config", config], "HTTP parser")

    def test_plugin_settings_rejected(self):
        config = self.configs.write("settings.yaml", minimal_config(
            settings="http_parser: {colour: blue}\n"))
        self.assert_usage_error(["--check-config", "--config", config],
                                "plugins.settings.http_parser.colour")


class Running(ProxyTestCase):
    def start(self, extra=""):
        config = self.configs.write("run.yaml", minimal_config(extra))
        proxy = ProxyProcess("--config", config)
        self.addCleanup(proxy.kill)
        return proxy

    def test_listens_on_loopback_and_stops_on_sigterm(self):
        proxy = self.start()
        self.assertEqual(proxy.host, "127.0.0.1")
        with socket.create_connection((proxy.host, proxy.port), timeout=5):
            pass
        self.assertEqual(proxy.stop(), 0, proxy.stderr)

    def test_stops_on_sigint(self):
        proxy = self.start()
        proxy.signal(signal.SIGINT)
        self.assertEqual(proxy.wait(), 0, proxy.stderr)

    def test_busy_port_is_a_runtime_error(self):
        proxy = self.start()
        config = self.configs.write("busy.yaml",
                                    minimal_config(port=proxy.port))
        code, _, err = run_cli("--config", config)
        self.assertEqual(code, 1, err)
        self.assertIn(str(proxy.port), err)

    def test_log_level_flag_overrides_config(self):
        config = self.configs.write("levels.yaml", minimal_config("logging:\n  level: error\n"))
        code, _, err = run_cli("--check-config", "--config", config)
        self.assertEqual(code, 0, err)
        self.assertNotIn(" debug ", err)
        code, _, err = run_cli("--check-config", "--log-level", "debug", "--config", config)
        self.assertEqual(code, 0, err)
        self.assertIn(" debug ", err)
        self.assertIn("http_parser", err)

if __name__ == "__main__":
    unittest.main()

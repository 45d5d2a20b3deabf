"""packaging/grafana/proxy-server.json against the real binary: every metric its queries
name is in a /_metrics scrape of the proxy with the metrics plugin, after traffic that
creates every labelled series, and every label it groups or names a legend by is on
those metrics. The queries are valid PromQL (promtool check rules)."""

import json
import os
import pathlib
import re
import subprocess
import tempfile
import unittest

from httpclient import request_bytes
from proxytest import SOURCE_DIR
from test_metrics import MetricsTestCase, find_promtool

DASHBOARD = pathlib.Path(SOURCE_DIR) / "packaging" / "grafana" / "proxy-server.json"

# Labels Prometheus adds to every series it scrapes; the exposition does not carry them.
TARGET_LABELS = {"instance", "job"}
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "count", "rate", "irate", "increase", "histogram_quantile",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "label_values",
}
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__range": "1h", "$__interval": "1m",
                     "$instance": ".*"}


def queries(dashboard):
    """(where, PromQL) for every panel target and the templating queries."""
    found = []

    def walk(panels):
        for panel in panels:
            for target in panel.get("targets", []):
                found.append((f"panel '{panel['title']}' {target['refId']}", target["expr"],
                              target.get("legendFormat", "")))
            walk(panel.get("panels", []))

    walk(dashboard["panels"])
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            query = query["query"] if isinstance(query, dict) else query
            found.append((f"variable '{variable['name']}'", query, ""))
    return found


def metric_names(expr):
    """The metric names an expression selects: what is left once strings, label matchers,
    ranges, grouping clauses, numbers and PromQL's own words are taken out."""
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', " ", expr)
    stripped = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", stripped)
    stripped = re.sub(r"\b(?:by|without)\s*\([^)]*\)", " ", stripped)
    identifiers = re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", stripped)
    return {name for name in identifiers if name not in PROMQL_WORDS}


def grouping_labels(expr, legend):
    """Labels an expression groups by, or its legend shows ({{label}})."""
    labels = set()
    for clause in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", expr):
        labels |= {label.strip() for label in clause.split(",") if label.strip()}
    labels |= set(re.findall(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}", legend))
    return labels


def for_promtool(expr):
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


class GrafanaDashboard(MetricsTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
        cls.queries = queries(cls.dashboard)

    def test_the_dashboard_is_well_formed(self):
        self.assertEqual(self.dashboard["uid"], "proxy-server")
        ids = [panel["id"] for panel in self.dashboard["panels"]]
        self.assertEqual(len(ids), len(set(ids)), "panel ids repeat")
        for panel in self.dashboard["panels"]:
            self.assertEqual(panel["datasource"]["uid"], "${datasource}", panel["title"])
            refs = [target["refId"] for target in panel["targets"]]
            self.assertTrue(refs, f"panel '{panel['title']}' has no query")
            self.assertEqual(len(refs), len(set(refs)), panel["title"])
        for where, expr, _ in self.queries:
            self.assertTrue(metric_names(expr), f"{where} selects no metric: {expr}")

    def test_the_extractor_sees_names_and_labels(self):
        """The helpers the next test relies on find what a query holds, so a wrong name
        in the dashboard cannot slip past them."""
        expr = ('histogram_quantile(0.99, sum by (le, code) (rate(proxy_x_bucket'
                '{instance=~"$instance"}[$__rate_interval]))) / proxy_y')
        self.assertEqual(metric_names(expr), {"proxy_x_bucket", "proxy_y"})
        self.assertEqual(grouping_labels(expr, "{{ method }} on {{instance}}"),
                         {"le", "code", "method", "instance"})
        # label_values(metric, label): the label looks like a name; the caller drops it.
        self.assertEqual(metric_names("label_values(proxy_build_info, instance)"),
                         {"proxy_build_info", "instance"})

    def test_every_queried_metric_is_in_a_real_scrape(self):
        origin = self.start_origin()
        proxy = self.start_metrics_proxy(upstream={"deny_networks": ["127.0.0.3/32"]})
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(conn.read_response().status, 200)
        blocked = self.exchange(proxy, request_bytes("GET", "http://127.0.0.3:1/"))
        self.assertEqual(blocked.status, 403)  # by the core: upstream.deny_networks
        metrics = self.scrape_until(
            conn, lambda m: m.value("proxy_blocked_total", plugin="core") == 1)

        labels_of = {}
        for name, labels in metrics.samples:
            labels_of.setdefault(name, set()).update(label for label, _ in labels)
        for where, expr, legend in self.queries:
            names = metric_names(expr)
            if where.startswith("variable"):
                names -= {"instance"}  # label_values(metric, label): the second is a label
            for name in sorted(names):
                if name in labels_of:
                    continue
                self.fail(f"{where} queries {name}, which /_metrics does not export:\n{expr}")
            exported = names & labels_of.keys()
            if exported:
                known = set().union(*(labels_of[name] for name in exported)) | TARGET_LABELS
                self.assertLessEqual(grouping_labels(expr, legend), known | {"le"},
                                     f"{where} uses a label its metrics do not carry: {expr}")

    def test_every_query_is_valid_promql(self):
        promtool = find_promtool()
        if promtool is None:
            message = "promtool not found: run scripts/install-deps.sh (or set PROMTOOL)"
            if os.environ.get("CI", "").lower() == "true":
                self.fail(message)
            self.skipTest(message)
        rules = {"groups": [{"name": "dashboard", "rules": [
            {"record": f"dashboard:query_{i}", "expr": for_promtool(expr)}
            for i, (_, expr, _) in enumerate(self.queries)
            if not expr.startswith("label_values(")]}]}
        with tempfile.NamedTemporaryFile("w", suffix=".yml", encoding="utf-8") as f:
            json.dump(rules, f)  # JSON is YAML
            f.flush()
            checked = subprocess.run([promtool, "check", "rules", f.name], capture_output=True,
                                     text=True, timeout=60)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
        self.assertIn(f"SUCCESS: {len(rules['groups'][0]['rules'])} rules found",
                      checked.stdout)


if __name__ == "__main__":
    unittest.main()

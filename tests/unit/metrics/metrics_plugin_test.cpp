#include "metrics_plugin.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "text_format.hpp"
#include "transaction_fixture.hpp"

// The host's opaque admin response, as this test's fake host builds it.
struct proxy_admin_response {
  std::uint32_t status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

namespace proxy::plugins::metrics {
namespace {

std::string_view view(proxy_str s) {
  return {s.ptr, s.len};
}

// Just enough host for a plugin: endpoints are recorded so the test can call them
// through the C boundary, and counters are whatever the test sets.
struct FakeHost {
  proxy_host_api api{};
  std::string version = "9.8.7";
  proxy_host_stats stats{};
  bool refuse_endpoints = false;
  std::string endpoint_path;
  proxy_endpoint_fn endpoint = nullptr;
  void* endpoint_user = nullptr;

  FakeHost() {
    api.size = sizeof(api);
    api.host = this;
    api.abi_version = PROXY_SDK_ABI_VERSION;
    api.log_level = PROXY_LOG_CRITICAL;
    api.log = [](void*, std::uint32_t, proxy_str) {};
    api.register_endpoint = [](void* host, proxy_str path, proxy_endpoint_fn fn, void* user) {
      auto& self = *static_cast<FakeHost*>(host);
      if (self.refuse_endpoints) {
        return 1;
      }
      self.endpoint_path = std::string(view(path));
      self.endpoint = fn;
      self.endpoint_user = user;
      return 0;
    };
    api.response_set_status = [](proxy_admin_response* r, std::uint32_t status) {
      r->status = status;
    };
    api.response_set_header = [](proxy_admin_response* r, proxy_str name, proxy_str value) {
      r->headers.emplace_back(view(name), view(value));
    };
    api.response_append = [](proxy_admin_response* r, proxy_str body) {
      r->body.append(view(body));
    };
    api.host_version = sdk::to_str(version);
    api.get_stats = [](void* host, proxy_host_stats* out) {
      const std::size_t size = out->size;
      *out = static_cast<FakeHost*>(host)->stats;
      out->size = size;
    };
  }

  proxy_admin_response call(std::string_view method) {
    proxy_admin_request request{};
    request.size = sizeof(request);
    request.method = sdk::to_str(method);
    request.path = sdk::to_str(endpoint_path);
    request.client_ip = sdk::to_str("127.0.0.1");
    proxy_admin_response response;
    endpoint(endpoint_user, &request, &response);
    return response;
  }
};

std::string header(const proxy_admin_response& response, std::string_view name) {
  for (const auto& [field, value] : response.headers) {
    if (field == name) {
      return value;
    }
  }
  return "";
}

TEST(MetricsPlugin, ServesTheExpositionAtTheDefaultPath) {
  FakeHost host;
  host.stats.connections_active = 2;
  host.stats.connections_total = 40;
  sdk::PluginContext context(&host.api, "metrics", nlohmann::json::object());
  MetricsPlugin plugin(context);
  // What the host is handed: the hooks MetricsPlugin overrides.
  EXPECT_EQ(sdk::hooks_of(plugin), sdk::HookSet(sdk::Hook::close));  // never on_bytes
  ASSERT_EQ(host.endpoint_path, "/_metrics");

  testing::TransactionFixture get;
  for (int i = 0; i < 3; ++i) {
    plugin.on_close(get.view());
  }
  const proxy_admin_response response = host.call("GET");
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(header(response, "Content-Type"), exposition_content_type);
  EXPECT_NE(response.body.find("\nproxy_requests_total{method=\"GET\"} 3\n"), std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("\nproxy_responses_total{code=\"200\"} 3\n"), std::string::npos);
  EXPECT_NE(response.body.find("\nproxy_connections_active 2\n"), std::string::npos);
  EXPECT_NE(response.body.find("\nproxy_connections_total 40\n"), std::string::npos);
  EXPECT_NE(response.body.find("proxy_build_info{version=\"9.8.7\"} 1\n"), std::string::npos);
  EXPECT_EQ(host.call("HEAD").status, 200U);
}

TEST(MetricsPlugin, OtherMethodsGet405) {
  FakeHost host;
  sdk::PluginContext context(&host.api, "metrics", nlohmann::json::object());
  MetricsPlugin plugin(context);
  const proxy_admin_response response = host.call("POST");
  EXPECT_EQ(response.status, 405U);
  EXPECT_EQ(header(response, "Allow"), "GET, HEAD");
}

TEST(MetricsPlugin, UsesTheConfiguredPathAndBuckets) {
  FakeHost host;
  sdk::PluginContext context(
      &host.api, "metrics",
      nlohmann::json{{"path", "/stats"}, {"request_duration_buckets", {0.5, 2}}});
  MetricsPlugin plugin(context);
  EXPECT_EQ(host.endpoint_path, "/stats");
  testing::TransactionFixture slow;
  slow.duration_us = 1500000;
  plugin.on_close(slow.view());
  const std::string body = host.call("GET").body;
  EXPECT_NE(body.find("proxy_request_duration_seconds_bucket{le=\"0.5\"} 0\n"), std::string::npos)
      << body;
  EXPECT_NE(body.find("proxy_request_duration_seconds_bucket{le=\"2\"} 1\n"), std::string::npos);
  EXPECT_NE(body.find("proxy_request_duration_seconds_sum 1.5\n"), std::string::npos);
}

TEST(MetricsPlugin, BadSettingsStopConstruction) {
  FakeHost host;
  sdk::PluginContext context(&host.api, "metrics", nlohmann::json{{"path", "metrics"}});
  try {
    MetricsPlugin plugin(context);
    FAIL() << "accepted a path without '/'";
  } catch (const sdk::SettingsError& e) {
    EXPECT_EQ(e.key(), "path");
  }
  EXPECT_TRUE(host.endpoint_path.empty());
}

TEST(MetricsPlugin, ARefusedEndpointStopsConstruction) {
  FakeHost host;
  host.refuse_endpoints = true;
  sdk::PluginContext context(&host.api, "metrics", nlohmann::json::object());
  EXPECT_THROW(MetricsPlugin plugin(context), std::runtime_error);
}

}  // namespace
}  // namespace proxy::plugins::metrics

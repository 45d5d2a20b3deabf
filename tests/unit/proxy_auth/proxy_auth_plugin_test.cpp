#include "proxy_auth_plugin.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_hashes.hpp"

// The host's opaque handles, as this test's fake host makes them.
struct proxy_call {};
struct proxy_completion {};

namespace proxy::plugins::proxy_auth {
namespace {

using namespace std::chrono_literals;

std::string encode_basic(const std::string& user_pass) {
  // Small inputs only; enough for the test credentials.
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < user_pass.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, user_pass.size() - i);
    unsigned v = 0;
    for (std::size_t j = 0; j < 3; ++j) {
      v = (v << 8U) | (j < n ? static_cast<unsigned char>(user_pass[i + j]) : 0U);
    }
    for (std::size_t j = 0; j < 4; ++j) {
      out += j <= n ? alphabet[(v >> (18 - 6 * j)) & 63U] : '=';
    }
  }
  return "Basic " + out;
}

// Just enough host for on_request: deferrals and their completions, and every log line.
class FakeHost {
 public:
  FakeHost() {
    api_.size = sizeof(api_);
    api_.host = this;
    api_.abi_version = PROXY_SDK_ABI_VERSION;
    api_.log_level = PROXY_LOG_TRACE;
    api_.log = [](void* host, std::uint32_t, proxy_str message) {
      auto& self = *static_cast<FakeHost*>(host);
      const std::lock_guard lock(self.mutex_);
      self.logs_.emplace_back(message.ptr, message.len);
    };
    api_.defer = [](proxy_call*) -> proxy_completion* { return new proxy_completion; };
    api_.complete = [](proxy_completion* completion, const proxy_decision* decision) {
      delete completion;
      auto& self = *current_;
      const std::lock_guard lock(self.mutex_);
      self.completed_.push_back(sdk::Decision::read(*decision));
      self.changed_.notify_all();
    };
    current_ = this;
  }
  ~FakeHost() { current_ = nullptr; }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const proxy_host_api* api() const { return &api_; }

  // The decision on_request makes, waiting for a deferred one to complete.
  sdk::Decision request(sdk::Plugin& plugin, const std::string& client_ip,
                        std::vector<std::pair<std::string, std::string>> headers,
                        bool connect = false) {
    proxy_conn_info info{};
    info.size = sizeof(info);
    info.client_ip = sdk::to_str(client_ip);
    info.client_key = sdk::to_str(client_ip);
    std::vector<proxy_header> raw;
    for (const auto& [name, value] : headers) {
      raw.push_back({sdk::to_str(name), sdk::to_str(value)});
    }
    proxy_request request{};
    request.size = sizeof(request);
    request.method = sdk::to_str(connect ? "CONNECT" : "GET");
    request.host = sdk::to_str("example.com");
    request.port = connect ? 443 : 80;
    request.is_connect = connect ? 1 : 0;
    request.headers = raw.data();
    request.header_count = raw.size();
    proxy_call call;
    sdk::Request req(request, &api_);
    std::size_t before = 0;
    {
      const std::lock_guard lock(mutex_);
      before = completed_.size();
    }
    const sdk::Decision decision = plugin.on_request(sdk::Connection(info, &api_, &call), req);
    if (decision.kind() != sdk::Decision::Kind::deferred) {
      return decision;
    }
    ++deferred_;
    std::unique_lock lock(mutex_);
    EXPECT_TRUE(changed_.wait_for(lock, 10s, [&] { return completed_.size() > before; }));
    return completed_.size() > before ? completed_.back()
                                      : sdk::Decision::failed("never completed");
  }

  int deferred() const { return deferred_; }
  std::vector<std::string> logs() const {
    const std::lock_guard lock(mutex_);
    return logs_;
  }

 private:
  static inline FakeHost* current_ = nullptr;
  proxy_host_api api_{};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<sdk::Decision> completed_;
  std::vector<std::string> logs_;
  int deferred_ = 0;
};

class ProxyAuthPluginTest : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    users_file_ = write("users.htpasswd", "alice:" + alice_hash_ + "\nbob:" + bob_hash_ + "\n");
  }

  std::unique_ptr<ProxyAuthPlugin> make(nlohmann::json settings = nlohmann::json::object()) {
    settings["users_file"] = users_file_;
    context_ = std::make_unique<sdk::PluginContext>(host_.api(), "proxy_auth", settings);
    return std::make_unique<ProxyAuthPlugin>(*context_);
  }

  sdk::Decision request(sdk::Plugin& plugin, std::optional<std::string> authorization,
                        const std::string& client = "192.0.2.1", bool connect = false) {
    std::vector<std::pair<std::string, std::string>> headers{{"Host", "example.com"}};
    if (authorization) {
      headers.emplace_back("Proxy-Authorization", *authorization);
    }
    return host_.request(plugin, client, headers, connect);
  }

  const std::string alice_password_ = "alice secret";
  const std::string alice_hash_ = testing::bcrypt_hash(alice_password_);
  const std::string bob_hash_ = testing::make_hash("$6$", "bob secret");
  std::string users_file_;
  FakeHost host_;
  std::unique_ptr<sdk::PluginContext> context_;
};

TEST_F(ProxyAuthPluginTest, AdmitsRightCredentialsAfterADeferredCheck) {
  auto plugin = make();
  for (const bool connect : {false, true}) {
    const sdk::Decision decision =
        request(*plugin, encode_basic("alice:" + alice_password_), "192.0.2.1", connect);
    EXPECT_TRUE(decision.allowed()) << decision.reason();
  }
  EXPECT_EQ(host_.deferred(), 1);  // the second request was admitted from the cache
  EXPECT_TRUE(request(*plugin, encode_basic("bob:bob secret")).allowed());
}

TEST_F(ProxyAuthPluginTest, MissingOrWrongCredentialsAre407) {
  auto plugin = make();
  const struct {
    std::optional<std::string> authorization;
    const char* reason;
  } cases[] = {
      {std::nullopt, "proxy authentication required"},
      {"Bearer abc", "Proxy-Authorization is not of the Basic scheme"},
      {"Basic !!!!", "Proxy-Authorization credentials are not valid base64"},
      {encode_basic("alice:wrong"), "invalid proxy credentials"},
      {encode_basic("mallory:" + alice_password_), "invalid proxy credentials"},
  };
  for (const auto& c : cases) {
    for (const bool connect : {false, true}) {
      const sdk::Decision decision =
          request(*plugin, c.authorization, "192.0.2." + std::to_string(connect ? 2 : 3), connect);
      EXPECT_EQ(decision.kind(), sdk::Decision::Kind::reject);
      EXPECT_EQ(decision.status(), 407);
      EXPECT_EQ(decision.reason(), c.reason);
    }
  }
  // An unknown user is checked too (against another user's hash), like a wrong password.
  EXPECT_EQ(host_.deferred(), 4);
}

TEST_F(ProxyAuthPluginTest, TwoProxyAuthorizationHeadersAre407) {
  auto plugin = make();
  const std::string good = encode_basic("alice:" + alice_password_);
  const sdk::Decision decision = host_.request(
      *plugin, "192.0.2.1", {{"Proxy-Authorization", good}, {"proxy-authorization", good}});
  EXPECT_EQ(decision.status(), 407);
  EXPECT_EQ(decision.reason(), "more than one Proxy-Authorization header");
}

TEST_F(ProxyAuthPluginTest, BypassNetworksNeedNoCredentials) {
  auto plugin = make({{"bypass_networks", {"10.0.0.0/8"}}});
  EXPECT_TRUE(request(*plugin, std::nullopt, "10.1.2.3").allowed());
  EXPECT_EQ(request(*plugin, std::nullopt, "192.0.2.1").status(), 407);
}

TEST_F(ProxyAuthPluginTest, TooManyFailuresAre429WithoutAnotherCheck) {
  auto plugin = make({{"max_failures", 2}});
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(request(*plugin, encode_basic("alice:wrong")).status(), 407);
  }
  const int checks = host_.deferred();
  const sdk::Decision limited = request(*plugin, encode_basic("alice:" + alice_password_));
  EXPECT_EQ(limited.status(), 429);
  EXPECT_EQ(limited.reason(), "too many failed proxy authentication attempts: 2 per minute");
  EXPECT_GE(limited.retry_after_seconds(), 59U);
  EXPECT_LE(limited.retry_after_seconds(), 60U);
  EXPECT_EQ(host_.deferred(), checks);  // no hash ran
  // Another client is not held back, and missing credentials are still a 407.
  EXPECT_TRUE(request(*plugin, encode_basic("alice:" + alice_password_), "192.0.2.9").allowed());
  EXPECT_EQ(request(*plugin, std::nullopt).status(), 407);
}

TEST_F(ProxyAuthPluginTest, AReloadedUsersFileEndsCachedAdmissions) {
  auto plugin = make();
  const std::string alice = encode_basic("alice:" + alice_password_);
  ASSERT_TRUE(request(*plugin, alice).allowed());
  ASSERT_TRUE(request(*plugin, alice).allowed());  // cached
  const std::string staged = write("users.new", "bob:" + bob_hash_ + "\n");
  std::filesystem::rename(staged, users_file_);  // alice removed
  // The watcher looks once a second.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  sdk::Decision decision = request(*plugin, alice);
  while (decision.allowed() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    decision = request(*plugin, alice);
  }
  EXPECT_EQ(decision.status(), 407);
  bool logged = false;
  for (const std::string& line : host_.logs()) {
    logged = logged || line.find("reloaded: 1 users") != std::string::npos;
  }
  EXPECT_TRUE(logged);
}

TEST_F(ProxyAuthPluginTest, NeverLogsAPasswordOrAHash) {
  auto plugin = make();
  request(*plugin, encode_basic("alice:" + alice_password_));
  request(*plugin, encode_basic("alice:wrong-password"));
  request(*plugin, encode_basic("bob:bob-guess"));
  // A broken file is logged with why, and still no hash.
  const std::string staged =
      write("users.new", "alice:" + alice_hash_ + "\nbob:$1$saltsalt$qjXMvbEw8oaL.CzflDugX/\n");
  std::filesystem::rename(staged, users_file_);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  bool reported = false;
  while (!reported && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    for (const std::string& line : host_.logs()) {
      reported = reported || line.find("keeping the 2 users") != std::string::npos;
    }
  }
  EXPECT_TRUE(reported);
  const auto logs = host_.logs();
  ASSERT_FALSE(logs.empty());
  for (const std::string& line : logs) {
    for (const std::string& secret :
         {alice_password_, std::string("wrong-password"), std::string("bob-guess"), alice_hash_,
          bob_hash_, std::string("qjXMvbEw8oaL"), alice_hash_.substr(7, 22)}) {
      EXPECT_EQ(line.find(secret), std::string::npos) << line;
    }
  }
}

TEST_F(ProxyAuthPluginTest, AnUnusableUsersFileStopsStartupNamingTheKey) {
  write("users.htpasswd", "alice:plaintext\n");
  try {
    make();
    FAIL() << "started";
  } catch (const sdk::SettingsError& e) {
    EXPECT_EQ(e.key(), "users_file");
    EXPECT_NE(std::string(e.what()).find(", line 1: user \"alice\""), std::string::npos);
  }
}

}  // namespace
}  // namespace proxy::plugins::proxy_auth

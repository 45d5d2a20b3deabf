// A test-only plugin that exercises every hook so the integration tests can prove the
// hooks are wired into the data path. What it does depends on the request target:
//   "blocked"       on_request rejects with 403 "probe blocked"
//   "defer-allow"   defers, completes allow from the host timer after 100 ms
//   "defer-reject"  defers, completes reject(451) from its own thread after 50 ms
//   "defer-never"   defers and keeps the completion forever (the host times it out)
//   "throw"         on_request throws
//   "edit"          sets the request header X-Probe-Request: 1
//   "block-N"       sleeps N ms (at most 10 s) in on_request, holding its io thread, then
//                   allows: a misbehaving plugin for the host's blocked-worker watchdog
// Every response gets X-Probe-Response: 1; on_sni closes a tunnel whose SNI equals
// `block_sni`; on_bytes counts bytes per direction, served as JSON at /_probe; on_close
// appends one JSON line per transaction to `events_file`, with the transaction
// attributes named in `recorded_attributes` that some plugin set.
//
// Settings: events_file (string), close_on_accept_port_parity ("odd" | "even" | "none"),
// block_sni (string), tag (string: every response also gets X-Probe-Tag: <tag>, so a test
// sees which configuration generation served it), tick_ms (a number: a host timer every
// that many ms, counted as "ticks" at /_probe). Anything else is refused. /_probe also
// shows how many probe instances this process created and destroyed, for leak checks
// across reloads.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/sdk/export.hpp"

namespace proxy::test_plugins {
namespace {

using namespace std::chrono_literals;
namespace sdk = proxy::sdk;

enum class Parity { none, odd, even };

// Attributes the example plugins and bundled plugins set, for the tests to read back.
constexpr std::string_view recorded_attributes[] = {"user", "auth_failure", "allowlist",
                                                    "conn_request"};

std::string optional_string(const nlohmann::json& settings, const char* key) {
  const auto it = settings.find(key);
  if (it == settings.end() || it->is_null()) {
    return {};
  }
  if (!it->is_string()) {
    throw sdk::SettingsError(key, "expected a string");
  }
  return it->get<std::string>();
}

const char* kind_name(sdk::Transaction::Kind kind) {
  switch (kind) {
    case sdk::Transaction::Kind::request:
      return "request";
    case sdk::Transaction::Kind::tunnel:
      return "tunnel";
    case sdk::Transaction::Kind::connection:
      return "connection";
  }
  return "unknown";
}

const char* verdict_name(sdk::Decision::Kind kind) {
  switch (kind) {
    case sdk::Decision::Kind::allow:
      return "allow";
    case sdk::Decision::Kind::reject:
      return "reject";
    case sdk::Decision::Kind::close:
      return "close";
    case sdk::Decision::Kind::deferred:
      return "deferred";
    case sdk::Decision::Kind::failed:
      return "failed";
  }
  return "unknown";
}

// Every instance of this library in the process, whatever generation made it.
std::atomic<std::uint64_t> instances_created{0};
std::atomic<std::uint64_t> instances_destroyed{0};

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The N of "block-N" in `target`, capped so a typo cannot hang a test run.
std::optional<std::chrono::milliseconds> block_duration(std::string_view target) {
  constexpr std::string_view marker = "block-";
  const auto at = target.find(marker);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  std::int64_t ms = 0;
  for (std::size_t i = at + marker.size(); i < target.size(); ++i) {
    const char c = target[i];
    if (c < '0' || c > '9') {
      break;
    }
    ms = std::min<std::int64_t>(ms * 10 + (c - '0'), 10'000);
  }
  return std::chrono::milliseconds(ms);
}

class ProbePlugin final : public sdk::Plugin {
 public:
  explicit ProbePlugin(sdk::PluginContext& context) : context_(context) {
    const nlohmann::json& settings = context.settings();
    if (!settings.is_null() && !settings.is_object()) {
      throw sdk::SettingsError("", "expected a mapping");
    }
    if (settings.is_object()) {
      for (const auto& [key, value] : settings.items()) {
        (void)value;
        if (key != "events_file" && key != "close_on_accept_port_parity" && key != "block_sni" &&
            key != "tag" && key != "tick_ms") {
          throw sdk::SettingsError(key, "unknown setting");
        }
      }
      events_path_ = optional_string(settings, "events_file");
      block_sni_ = optional_string(settings, "block_sni");
      tag_ = optional_string(settings, "tag");
      if (const auto tick = settings.find("tick_ms"); tick != settings.end()) {
        if (!tick->is_number_unsigned() || tick->get<std::uint64_t>() == 0) {
          throw sdk::SettingsError("tick_ms", "expected a positive whole number");
        }
        tick_ = std::chrono::milliseconds(tick->get<std::uint64_t>());
      }
      const std::string parity = optional_string(settings, "close_on_accept_port_parity");
      if (parity == "odd") {
        parity_ = Parity::odd;
      } else if (parity == "even") {
        parity_ = Parity::even;
      } else if (!parity.empty() && parity != "none") {
        throw sdk::SettingsError("close_on_accept_port_parity", "expected odd, even or none");
      }
    }
    if (!events_path_.empty()) {
      events_.open(events_path_, std::ios::app);
      if (!events_) {
        throw sdk::SettingsError("events_file", "cannot open '" + events_path_ + "'");
      }
    }
    context.register_endpoint("/_probe", [this](const sdk::AdminRequest&) {
      nlohmann::json body;
      body["client_to_upstream"] = client_to_upstream_.load();
      body["upstream_to_client"] = upstream_to_client_.load();
      body["instances_created"] = instances_created.load();
      body["instances_destroyed"] = instances_destroyed.load();
      body["ticks"] = ticks_.load();
      body["tag"] = tag_;
      {
        const std::lock_guard lock(mutex_);
        body["sni_seen"] = sni_seen_;
      }
      sdk::AdminResponse response;
      response.content_type = "application/json";
      response.body = body.dump() + "\n";
      return response;
    });
    if (tick_.count() > 0) {
      schedule_tick();
    }
    instances_created.fetch_add(1);
  }

  ~ProbePlugin() override {
    instances_destroyed.fetch_add(1);
    std::vector<std::thread> threads;
    {
      const std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& thread : threads) {
      thread.join();
    }
    // never_ is destroyed with the plugin: the Completions fail closed, which the host
    // must accept for decisions it already timed out.
  }

  ProbePlugin(const ProbePlugin&) = delete;
  ProbePlugin& operator=(const ProbePlugin&) = delete;

  sdk::HookSet hooks() const override {
    return sdk::Hook::accept | sdk::Hook::request | sdk::Hook::sni | sdk::Hook::bytes |
           sdk::Hook::response | sdk::Hook::close;
  }

  sdk::Decision on_accept(const sdk::Connection& conn) override {
    const bool odd = (conn.client_port() % 2) == 1;
    if ((parity_ == Parity::odd && odd) || (parity_ == Parity::even && !odd)) {
      return sdk::Decision::close("probe accept parity");
    }
    return sdk::Decision::allow();
  }

  sdk::Decision on_request(const sdk::Connection& conn, sdk::Request& request) override {
    const std::string_view target = request.target();
    if (contains(target, "blocked")) {
      return sdk::Decision::reject(403, "probe blocked");
    }
    if (contains(target, "defer-allow")) {
      auto completion = std::make_shared<sdk::Completion>(conn.defer());
      context_.schedule(100ms, [completion] { completion->complete(sdk::Decision::allow()); });
      return sdk::Decision::deferred();
    }
    if (contains(target, "defer-reject")) {
      auto completion = std::make_shared<sdk::Completion>(conn.defer());
      const std::lock_guard lock(mutex_);
      threads_.emplace_back([completion] {
        std::this_thread::sleep_for(50ms);
        completion->complete(sdk::Decision::reject(451, "probe deferred reject"));
      });
      return sdk::Decision::deferred();
    }
    if (contains(target, "defer-never")) {
      sdk::Completion completion = conn.defer();
      const std::lock_guard lock(mutex_);
      never_.push_back(std::move(completion));
      return sdk::Decision::deferred();
    }
    if (const auto duration = block_duration(target)) {
      std::this_thread::sleep_for(*duration);  // deliberately blocking: see the header
      return sdk::Decision::allow();
    }
    if (contains(target, "throw")) {
      throw std::runtime_error("probe threw");
    }
    if (contains(target, "edit")) {
      request.headers().set("X-Probe-Request", "1");
    }
    return sdk::Decision::allow();
  }

  sdk::Decision on_sni(const sdk::Connection& conn, const sdk::Request& request,
                       const sdk::ClientHello& hello) override {
    (void)request;
    {
      const std::lock_guard lock(mutex_);
      sni_seen_.push_back(nlohmann::json{
          {"conn_id", conn.id()}, {"is_tls", hello.is_tls()}, {"sni", std::string(hello.sni())}});
      is_tls_by_conn_[conn.id()] = hello.is_tls();
    }
    if (!block_sni_.empty() && hello.sni() == block_sni_) {
      return sdk::Decision::close("probe sni");
    }
    return sdk::Decision::allow();
  }

  void on_bytes(const sdk::Connection& conn, sdk::Direction direction,
                std::string_view bytes) override {
    (void)conn;
    auto& counter =
        direction == sdk::Direction::client_to_upstream ? client_to_upstream_ : upstream_to_client_;
    counter.fetch_add(bytes.size(), std::memory_order_relaxed);
  }

  void on_response(const sdk::Connection& conn, const sdk::Request& request,
                   sdk::Response& response) override {
    (void)conn;
    (void)request;
    response.headers().set("X-Probe-Response", "1");
    if (!tag_.empty()) {
      response.headers().set("X-Probe-Tag", tag_);
    }
  }

  void on_close(const sdk::Transaction& t) override {
    nlohmann::json line{
        {"kind", kind_name(t.kind())},
        {"conn_id", t.conn_id()},
        {"client_port", t.client_port()},
        {"method", std::string(t.method())},
        {"host", std::string(t.host())},
        {"port", t.port()},
        {"target", std::string(t.target())},
        {"status", t.status()},
        {"sni", std::string(t.sni())},
        {"bytes_client_to_upstream", t.bytes_client_to_upstream()},
        {"bytes_upstream_to_client", t.bytes_upstream_to_client()},
        {"verdict", verdict_name(t.verdict())},
        {"decided_by", std::string(t.decided_by())},
        {"reason", std::string(t.reason())},
    };
    nlohmann::json attributes = nlohmann::json::object();
    for (const std::string_view name : recorded_attributes) {
      if (const auto value = t.attribute(name)) {
        attributes[std::string(name)] = std::string(*value);
      }
    }
    line["attributes"] = std::move(attributes);
    const std::lock_guard lock(mutex_);
    const auto seen = is_tls_by_conn_.find(t.conn_id());
    if (seen != is_tls_by_conn_.end()) {
      line["is_tls"] = seen->second;
      if (t.kind() == sdk::Transaction::Kind::tunnel) {
        is_tls_by_conn_.erase(seen);
      }
    } else {
      line["is_tls"] = nullptr;
    }
    if (events_.is_open()) {
      events_ << line.dump() << '\n';
      events_.flush();
    }
  }

 private:
  // The host cancels it (never runs it again) before this instance is destroyed.
  void schedule_tick() {
    context_.schedule(tick_, [this] {
      ticks_.fetch_add(1, std::memory_order_relaxed);
      schedule_tick();
    });
  }

  sdk::PluginContext& context_;
  std::string tag_;
  std::chrono::milliseconds tick_{0};
  std::atomic<std::uint64_t> ticks_{0};
  std::string events_path_;
  std::string block_sni_;
  Parity parity_ = Parity::none;

  std::atomic<std::uint64_t> client_to_upstream_{0};
  std::atomic<std::uint64_t> upstream_to_client_{0};

  std::mutex mutex_;  // guards everything below
  std::ofstream events_;
  std::vector<nlohmann::json> sni_seen_;
  std::map<std::uint64_t, bool> is_tls_by_conn_;
  std::vector<std::thread> threads_;
  std::vector<sdk::Completion> never_;
};

}  // namespace
}  // namespace proxy::test_plugins

PROXY_PLUGIN(proxy::test_plugins::ProbePlugin, "probe", "0.1.0",
             "Test-only plugin that exercises every hook")

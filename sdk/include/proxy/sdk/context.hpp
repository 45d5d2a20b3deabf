#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iterator>
#include <list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <nlohmann/json.hpp>

#include "proxy/sdk/abi.h"
#include "proxy/sdk/types.hpp"

namespace proxy::sdk {

// Thrown by a plugin's constructor when its settings are wrong. The host stops startup
// (exit 2) with message_for(<plugin>). `key` is the path below the plugin's settings
// ("client_allow[2]", "redis.address"), empty for the settings as a whole. SettingsReader
// (proxy/sdk/settings.hpp) throws these with the path and message filled in.
class SettingsError : public std::runtime_error {
 public:
  SettingsError(std::string key, const std::string& message)
      : std::runtime_error(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

  // "plugins.settings.<plugin>.<key>: <message>", the line the host reports.
  std::string message_for(std::string_view plugin) const {
    std::string text = "plugins.settings." + std::string(plugin);
    if (!key_.empty()) {
      text += "." + key_;
    }
    return text + ": " + what();
  }

 private:
  std::string key_;
};

// Counters the core keeps (see proxy_host_stats).
struct HostStats {
  std::uint64_t connections_active = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t connections_refused = 0;
  std::uint64_t tunnels_active = 0;
  std::uint64_t dns_lookups_ok = 0;  // 0 on a host older than ABI 1.3, as the rest below
  std::uint64_t dns_lookups_failed = 0;
  std::uint64_t dns_lookups_timed_out = 0;
  std::uint64_t dns_cache_hits = 0;
  // Per bucket of dns_lookup_duration_bounds_us (not cumulative); the last is slower.
  std::array<std::uint64_t, PROXY_DNS_DURATION_BUCKETS> dns_lookup_duration_buckets{};
  std::uint64_t dns_lookup_duration_sum_us = 0;
  // Closed because server.proxy_protocol required a header (ABI 1.3; 0 on older hosts).
  std::uint64_t proxy_protocol_refused = 0;
  // Configuration reloads (ABI 1.3; all 0 on older hosts): the generation serving new
  // connections (1 at startup), and reloads that took or were refused.
  std::uint64_t config_generation = 0;
  std::uint64_t config_reloads_ok = 0;
  std::uint64_t config_reloads_failed = 0;
};

inline constexpr std::array<std::uint64_t, PROXY_DNS_DURATION_BUCKETS - 1>
    dns_lookup_duration_bounds_us = PROXY_DNS_DURATION_BOUNDS_US;

struct AdminRequest {
  std::string_view method;
  std::string_view path;
  std::string_view query;
  std::string_view client_ip;
};

struct AdminResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Runs on an io thread; must not block.
using EndpointHandler = std::function<AdminResponse(const AdminRequest&)>;

namespace detail {

// spdlog sink whose output is the host's log callback: the host picks sinks and format.
class HostLogSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit HostLogSink(const proxy_host_api* host) : host_(host) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const auto level = static_cast<std::uint32_t>(msg.level);  // spdlog's order matches
    host_->log(host_->host, level, {msg.payload.data(), msg.payload.size()});
  }
  void flush_() override {}

 private:
  const proxy_host_api* host_;
};

}  // namespace detail

// What the host gives each plugin: its name, its settings, a logger, timers and admin
// endpoints. Owned by the SDK glue; outlives the plugin object.
//
// @par Thread Safety
// name(), settings() and logger() are safe from any thread; register_endpoint() only
// from the plugin's constructor; schedule() from any thread.
class PluginContext {
 public:
  PluginContext(const proxy_host_api* host, std::string name, nlohmann::json settings)
      : host_(host), name_(std::move(name)), settings_(std::move(settings)) {
    logger_ = std::make_shared<spdlog::logger>(name_, std::make_shared<detail::HostLogSink>(host));
    logger_->set_level(static_cast<spdlog::level::level_enum>(host->log_level));
  }
  PluginContext(const PluginContext&) = delete;
  PluginContext& operator=(const PluginContext&) = delete;

  const std::string& name() const { return name_; }
  // plugins.settings.<name> from the merged config; an empty object when absent.
  const nlohmann::json& settings() const { return settings_; }
  // The folder of the main config file, absolute: relative paths in settings are taken
  // from here. Empty on a host older than ABI 1.2, or without a config file.
  const std::string& config_dir() const { return config_dir_; }
  void set_config_dir(std::string dir) { config_dir_ = std::move(dir); }
  spdlog::logger& log() const { return *logger_; }
  const std::shared_ptr<spdlog::logger>& logger() const { return logger_; }
  const proxy_host_api* host_api() const { return host_; }

  // The proxy's version ("0.1.0"); empty on a host older than ABI 1.1.
  std::string_view host_version() const {
    return PROXY_ABI_HAS(host_, proxy_host_api, host_version) ? to_view(host_->host_version)
                                                              : std::string_view();
  }

  // How many io threads run hooks (Connection::worker() is below it); 1 on a host older
  // than ABI 1.2.
  std::uint32_t worker_count() const {
    return PROXY_ABI_HAS(host_, proxy_host_api, worker_count) && host_->worker_count > 0
               ? host_->worker_count
               : 1;
  }

  // The core's counters at this moment; cheap (a few atomic loads), any thread.
  HostStats host_stats() const {
    HostStats stats;
    if (!PROXY_ABI_HAS(host_, proxy_host_api, get_stats) || host_->get_stats == nullptr) {
      return stats;
    }
    proxy_host_stats raw{};
    raw.size = sizeof(raw);
    host_->get_stats(host_->host, &raw);
    stats.connections_active = raw.connections_active;
    stats.connections_total = raw.connections_total;
    stats.connections_refused = raw.connections_refused;
    stats.tunnels_active = raw.tunnels_active;
    stats.dns_lookups_ok = raw.dns_lookups_ok;
    stats.dns_lookups_failed = raw.dns_lookups_failed;
    stats.dns_lookups_timed_out = raw.dns_lookups_timed_out;
    stats.dns_cache_hits = raw.dns_cache_hits;
    std::copy(std::begin(raw.dns_lookup_duration_buckets),
              std::end(raw.dns_lookup_duration_buckets), stats.dns_lookup_duration_buckets.begin());
    stats.dns_lookup_duration_sum_us = raw.dns_lookup_duration_sum_us;
    stats.proxy_protocol_refused = raw.proxy_protocol_refused;
    stats.config_generation = raw.config_generation;
    stats.config_reloads_ok = raw.config_reloads_ok;
    stats.config_reloads_failed = raw.config_reloads_failed;
    return stats;
  }

  // Runs fn on a host thread after `delay`. Dropped (never run) when the host shuts
  // down first. fn must not block; an exception it throws is logged.
  void schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
    auto* timer = new Timer{this, std::move(fn)};
    host_->schedule(host_->host, static_cast<std::uint64_t>(delay.count()), &run_timer, timer);
  }

  // Serves `path` (e.g. "/_metrics") on the proxy's port to clients in admin.allow.
  // Throws std::runtime_error when the host refuses it (taken or invalid path).
  void register_endpoint(const std::string& path, EndpointHandler handler) {
    endpoints_.push_back(Endpoint{this, std::move(handler)});
    if (host_->register_endpoint(host_->host, to_str(path), &run_endpoint, &endpoints_.back()) !=
        0) {
      endpoints_.pop_back();
      throw std::runtime_error("cannot register endpoint '" + path + "'");
    }
  }

 private:
  struct Timer {
    PluginContext* context;
    std::function<void()> fn;
  };
  struct Endpoint {
    PluginContext* context;
    EndpointHandler handler;
  };

  static void run_timer(void* user, int cancelled) {
    std::unique_ptr<Timer> timer(static_cast<Timer*>(user));
    if (cancelled != 0) {
      return;
    }
    try {
      timer->fn();
    } catch (const std::exception& e) {
      timer->context->log().error("timer callback threw: {}", e.what());
    } catch (...) {
      timer->context->log().error("timer callback threw a non-standard exception");
    }
  }

  static void run_endpoint(void* user, const proxy_admin_request* request,
                           proxy_admin_response* response) {
    auto& endpoint = *static_cast<Endpoint*>(user);
    const proxy_host_api* host = endpoint.context->host_;
    AdminResponse answer;
    try {
      answer = endpoint.handler(AdminRequest{to_view(request->method), to_view(request->path),
                                             to_view(request->query), to_view(request->client_ip)});
    } catch (const std::exception& e) {
      endpoint.context->log().error("endpoint handler threw: {}", e.what());
      answer = AdminResponse{500, "text/plain; charset=utf-8", "internal error\n", {}};
    } catch (...) {
      // Nothing may cross the C boundary, whatever the handler threw.
      endpoint.context->log().error("endpoint handler threw a non-standard exception");
      answer = AdminResponse{500, "text/plain; charset=utf-8", "internal error\n", {}};
    }
    host->response_set_status(response, static_cast<std::uint32_t>(answer.status));
    host->response_set_header(response, to_str("Content-Type"), to_str(answer.content_type));
    for (const auto& [name, value] : answer.headers) {
      host->response_set_header(response, to_str(name), to_str(value));
    }
    host->response_append(response, to_str(answer.body));
  }

  const proxy_host_api* host_;
  std::string name_;
  nlohmann::json settings_;
  std::string config_dir_;
  std::shared_ptr<spdlog::logger> logger_;
  std::list<Endpoint> endpoints_;  // stable addresses: the host keeps pointers
};

}  // namespace proxy::sdk

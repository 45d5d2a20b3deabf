#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/sdk/abi.h"

namespace proxy::sdk {

// A parent HTTP proxy to reach the upstream through (ABI 1.3; see proxy_parent in abi.h
// for the rules the host checks). `authorization` is the whole Proxy-Authorization value
// to send it ("Basic dXNlcjpwYXNz"), empty for none: a credential, which the host never
// logs and plugins should not either.
struct Parent {
  std::string name;  // 1 to PROXY_PARENT_NAME_MAX of [A-Za-z0-9_.-]: the log's `upstream`
  std::string host;  // a host name or IP address, IPv6 without brackets
  std::uint16_t port = 0;
  std::string authorization;
};

// How on_request's transaction reaches its upstream (ABI 1.3): direct, or through the
// first of a list of parents that can be reached.
//
// @par Thread Safety
// A value type: distinct objects may be used from any thread.
class Route {
 public:
  enum class Kind : std::uint32_t {
    unset = PROXY_ROUTE_UNSET,  // no choice: another plugin's, else direct
    direct = PROXY_ROUTE_DIRECT,
    parents = PROXY_ROUTE_PARENTS,
  };

  Route() = default;
  static Route direct() { return Route(Kind::direct, {}); }
  // 1 to PROXY_ROUTE_PARENTS_MAX parents, tried in order while one cannot be reached.
  static Route via(std::vector<Parent> parents) { return Route(Kind::parents, std::move(parents)); }

  Kind kind() const { return kind_; }
  const std::vector<Parent>& parents() const { return parents_; }

 private:
  Route(Kind kind, std::vector<Parent> parents) : kind_(kind), parents_(std::move(parents)) {}

  Kind kind_ = Kind::unset;
  std::vector<Parent> parents_;
};

// What a deciding hook (on_accept, on_request, on_sni) answers.
//
// @par Thread Safety
// A value type: distinct objects may be used from any thread.
class Decision {
 public:
  enum class Kind : std::uint32_t {
    allow = PROXY_VERDICT_ALLOW,
    reject = PROXY_VERDICT_REJECT,
    close = PROXY_VERDICT_CLOSE,
    deferred = PROXY_VERDICT_DEFER,
    failed = PROXY_VERDICT_FAILED,
  };

  static Decision allow() { return Decision(Kind::allow, 0, {}); }
  // Answer the client with `status` (400-599; any other fails the transaction with 500)
  // and a short `reason`, then close.
  static Decision reject(int status, std::string reason) {
    return Decision(Kind::reject, status, std::move(reason));
  }
  // Close without an answer (inside a tunnel there is nobody to answer in HTTP).
  static Decision close(std::string reason = {}) {
    return Decision(Kind::close, 0, std::move(reason));
  }
  // 429 Too Many Requests with `Retry-After: <retry_after_seconds>` (at least 1).
  static Decision rate_limited(std::string reason, std::uint32_t retry_after_seconds) {
    Decision decision(Kind::reject, 429, std::move(reason));
    decision.retry_after_seconds_ = std::max<std::uint32_t>(retry_after_seconds, 1);
    return decision;
  }
  // 503 Service Unavailable, for a dependency that is down or overloaded; with
  // `Retry-After: <retry_after_seconds>` when that is above 0.
  static Decision unavailable(std::string reason, std::uint32_t retry_after_seconds = 0) {
    Decision decision(Kind::reject, 503, std::move(reason));
    decision.retry_after_seconds_ = retry_after_seconds;
    return decision;
  }
  // Returned after taking a Completion with Connection::defer().
  static Decision deferred() { return Decision(Kind::deferred, 0, {}); }
  // Used by the SDK when a hook throws; plugins return reject() instead.
  static Decision failed(std::string reason) {
    return Decision(Kind::failed, 500, std::move(reason));
  }

  // A response header sent with a rejection (ABI 1.2), e.g. Proxy-Authenticate on a 407
  // or Allow on a 405. The host checks it (abi.h, proxy_decision::headers): one that
  // breaks a rule is dropped and logged, and the rejection still goes out.
  Decision& with_header(std::string name, std::string value) & {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  Decision with_header(std::string name, std::string value) && {
    headers_.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
  }
  // A transaction attribute to set, with any verdict (ABI 1.2): later hooks and
  // on_close see it. `attribute_user` is the well-known one.
  Decision& with_attribute(std::string name, std::string value) & {
    attributes_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  Decision with_attribute(std::string name, std::string value) && {
    attributes_.emplace_back(std::move(name), std::move(value));
    return std::move(*this);
  }

  // How the upstream is reached (ABI 1.3): read from on_request with an allowing
  // decision, ignored otherwise. A later plugin's route replaces an earlier one's; a route
  // that breaks a rule of abi.h fails the transaction (500) rather than going direct.
  Decision& with_route(Route route) & {
    route_ = std::move(route);
    return *this;
  }
  Decision with_route(Route route) && {
    route_ = std::move(route);
    return std::move(*this);
  }

  Kind kind() const { return kind_; }
  int status() const { return status_; }
  const std::string& reason() const { return reason_; }
  bool allowed() const { return kind_ == Kind::allow; }
  // Seconds for Retry-After; 0 when the decision does not set one.
  std::uint32_t retry_after_seconds() const { return retry_after_seconds_; }

  using Fields = std::vector<std::pair<std::string, std::string>>;
  const Fields& headers() const { return headers_; }
  const Fields& attributes() const { return attributes_; }
  const Route& route() const { return route_; }

  // Writes into the ABI struct; the reason is cut to PROXY_REASON_MAX bytes. The headers
  // and attributes written point into this object: keep it alive, unchanged, until the
  // host has read `out`.
  void write(proxy_decision& out) const {
    out.verdict = static_cast<std::uint32_t>(kind_);
    out.status = static_cast<std::uint32_t>(status_);
    const std::size_t len = std::min<std::size_t>(reason_.size(), PROXY_REASON_MAX);
    std::copy_n(reason_.data(), len, out.reason);
    out.reason_len = static_cast<std::uint32_t>(len);
    if (PROXY_ABI_HAS(&out, proxy_decision, retry_after_seconds)) {
      out.retry_after_seconds = retry_after_seconds_;
    }
    if (PROXY_ABI_HAS(&out, proxy_decision, attribute_count)) {
      out.headers = views(headers_, header_views_);
      out.header_count = static_cast<std::uint32_t>(header_views_.size());
      out.attributes = views(attributes_, attribute_views_);
      out.attribute_count = static_cast<std::uint32_t>(attribute_views_.size());
    }
    if (PROXY_ABI_HAS(&out, proxy_decision, parent_count)) {
      out.route = static_cast<std::uint32_t>(route_.kind());
      parent_views_.clear();
      for (const Parent& parent : route_.parents()) {
        parent_views_.push_back(
            {view(parent.name), view(parent.host), parent.port, view(parent.authorization)});
      }
      out.parents = parent_views_.empty() ? nullptr : parent_views_.data();
      out.parent_count = static_cast<std::uint32_t>(parent_views_.size());
    }
  }

  static Decision read(const proxy_decision& in) {
    const std::size_t len = std::min<std::size_t>(in.reason_len, PROXY_REASON_MAX);
    Decision decision(static_cast<Kind>(in.verdict), static_cast<int>(in.status),
                      std::string(in.reason, len));
    if (PROXY_ABI_HAS(&in, proxy_decision, retry_after_seconds)) {
      decision.retry_after_seconds_ = in.retry_after_seconds;
    }
    if (PROXY_ABI_HAS(&in, proxy_decision, attribute_count)) {
      read_fields(in.headers, in.header_count, decision.headers_);
      read_fields(in.attributes, in.attribute_count, decision.attributes_);
    }
    if (PROXY_ABI_HAS(&in, proxy_decision, parent_count)) {
      decision.route_ = read_route(in);
    }
    return decision;
  }

 private:
  static proxy_str view(const std::string& text) { return {text.data(), text.size()}; }
  static std::string text(proxy_str s) {
    return s.ptr == nullptr ? std::string() : std::string(s.ptr, s.len);
  }
  static Route read_route(const proxy_decision& in) {
    switch (static_cast<Route::Kind>(in.route)) {
      case Route::Kind::direct:
        return Route::direct();
      case Route::Kind::parents: {
        std::vector<Parent> parents;
        for (std::uint32_t i = 0; in.parents != nullptr && i < in.parent_count; ++i) {
          const proxy_parent& p = in.parents[i];
          parents.push_back({text(p.name), text(p.host), p.port, text(p.authorization)});
        }
        return Route::via(std::move(parents));
      }
      case Route::Kind::unset:
        break;
    }
    return {};
  }
  static const proxy_header* views(const Fields& fields, std::vector<proxy_header>& out) {
    out.clear();
    for (const auto& [name, value] : fields) {
      out.push_back({{name.data(), name.size()}, {value.data(), value.size()}});
    }
    return out.empty() ? nullptr : out.data();
  }
  static void read_fields(const proxy_header* in, std::uint32_t count, Fields& out) {
    for (std::uint32_t i = 0; in != nullptr && i < count; ++i) {
      out.emplace_back(std::string(in[i].name.ptr, in[i].name.len),
                       std::string(in[i].value.ptr, in[i].value.len));
    }
  }

  Decision(Kind kind, int status, std::string reason)
      : kind_(kind), status_(status), reason_(std::move(reason)) {}

  Kind kind_;
  int status_;
  std::string reason_;
  std::uint32_t retry_after_seconds_ = 0;
  Fields headers_;
  Fields attributes_;
  Route route_;
  // What write() last pointed `out` at.
  mutable std::vector<proxy_header> header_views_;
  mutable std::vector<proxy_header> attribute_views_;
  mutable std::vector<proxy_parent> parent_views_;
};

// Transaction::upstream() when the core connected to the target itself.
inline constexpr std::string_view upstream_direct = PROXY_UPSTREAM_DIRECT;
// The transaction attribute naming who the client authenticated as.
inline constexpr std::string_view attribute_user = PROXY_ATTRIBUTE_USER;
// Why an authentication attempt failed (see PROXY_ATTRIBUTE_AUTH_FAILURE in abi.h).
inline constexpr std::string_view attribute_auth_failure = PROXY_ATTRIBUTE_AUTH_FAILURE;
inline constexpr std::string_view auth_failure_invalid = PROXY_AUTH_FAILURE_INVALID;
inline constexpr std::string_view auth_failure_throttled = PROXY_AUTH_FAILURE_THROTTLED;
// What a rate limiter decided (see PROXY_ATTRIBUTE_RATE_LIMIT in abi.h), and, when its
// store gave no answer, why (PROXY_ATTRIBUTE_RATE_LIMIT_ERROR).
inline constexpr std::string_view attribute_rate_limit = PROXY_ATTRIBUTE_RATE_LIMIT;
inline constexpr std::string_view rate_limit_allowed = PROXY_RATE_LIMIT_ALLOWED;
inline constexpr std::string_view rate_limit_limited = PROXY_RATE_LIMIT_LIMITED;
inline constexpr std::string_view rate_limit_error_allowed = PROXY_RATE_LIMIT_ERROR_ALLOWED;
inline constexpr std::string_view rate_limit_error_denied = PROXY_RATE_LIMIT_ERROR_DENIED;
inline constexpr std::string_view attribute_rate_limit_error = PROXY_ATTRIBUTE_RATE_LIMIT_ERROR;
inline constexpr std::string_view rate_limit_error_timeout = PROXY_RATE_LIMIT_ERROR_TIMEOUT;
inline constexpr std::string_view rate_limit_error_unavailable = PROXY_RATE_LIMIT_ERROR_UNAVAILABLE;
inline constexpr std::string_view rate_limit_error_reply = PROXY_RATE_LIMIT_ERROR_REPLY;
inline constexpr std::string_view rate_limit_error_overloaded = PROXY_RATE_LIMIT_ERROR_OVERLOADED;
// How long the shared store took to answer (PROXY_ATTRIBUTE_RATE_LIMIT_STORE_US).
inline constexpr std::string_view attribute_rate_limit_store_us =
    PROXY_ATTRIBUTE_RATE_LIMIT_STORE_US;

// The promise to finish a deferred decision. Move-only; complete() takes effect once.
// Dropping it uncompleted fails closed: the transaction is rejected with 500.
//
// @par Thread Safety
// complete() may be called from any thread, but one object must not be used by two
// threads at once.
class Completion {
 public:
  Completion() = default;
  Completion(const proxy_host_api* host, proxy_completion* completion)
      : host_(host), completion_(completion) {}
  Completion(Completion&& other) noexcept
      : host_(other.host_), completion_(std::exchange(other.completion_, nullptr)) {}
  Completion& operator=(Completion&& other) noexcept {
    if (this != &other) {
      fail_closed();
      host_ = other.host_;
      completion_ = std::exchange(other.completion_, nullptr);
    }
    return *this;
  }
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;
  ~Completion() { fail_closed(); }

  // Hands the decision to the host, which resumes the connection on its own thread.
  // A deferred decision is not a valid answer here and is turned into a 500.
  void complete(const Decision& decision) {
    if (completion_ == nullptr) {
      return;
    }
    proxy_decision out{};
    out.size = sizeof(out);
    if (decision.kind() == Decision::Kind::deferred) {
      Decision::failed("deferred decision completed with 'deferred'").write(out);
    } else {
      decision.write(out);
    }
    host_->complete(std::exchange(completion_, nullptr), &out);
  }

  bool pending() const { return completion_ != nullptr; }

 private:
  void fail_closed() {
    if (completion_ != nullptr) {
      complete(Decision::failed("deferred decision dropped without completing"));
    }
  }

  const proxy_host_api* host_ = nullptr;
  proxy_completion* completion_ = nullptr;
};

}  // namespace proxy::sdk

#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "proxy/sdk/abi.h"
#include "proxy/sdk/decision.hpp"

// Read-only views over what the host hands a hook. They borrow host memory: valid during
// the hook call only. Copy what you keep.
namespace proxy::sdk {

inline std::string_view to_view(proxy_str s) {
  return {s.ptr, s.len};
}
inline proxy_str to_str(std::string_view s) {
  return {s.data(), s.size()};
}

// ASCII case-insensitive comparison, as HTTP field names compare.
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

enum class Direction : std::uint32_t {
  client_to_upstream = PROXY_DIRECTION_CLIENT_TO_UPSTREAM,
  upstream_to_client = PROXY_DIRECTION_UPSTREAM_TO_CLIENT,
};

// The TCP connection a hook runs for.
// The value of `name` among borrowed name/value pairs, compared exactly.
inline std::optional<std::string_view> find_field(const proxy_header* fields, std::size_t count,
                                                  std::string_view name) {
  for (std::size_t i = 0; fields != nullptr && i < count; ++i) {
    if (to_view(fields[i].name) == name) {
      return to_view(fields[i].value);
    }
  }
  return std::nullopt;
}

class Connection {
 public:
  Connection(const proxy_conn_info& info, const proxy_host_api* host, proxy_call* call)
      : info_(info), host_(host), call_(call) {}

  std::uint64_t id() const { return info_.id; }
  std::string_view client_ip() const { return to_view(info_.client_ip); }
  std::uint16_t client_port() const { return info_.client_port; }
  std::string_view local_ip() const { return to_view(info_.local_ip); }
  std::uint16_t local_port() const { return info_.local_port; }
  std::uint32_t worker() const { return info_.worker; }
  // The client as per-client limits count it (see proxy_conn_info::client_key); the
  // client IP when the host predates ABI 1.2.
  std::string_view client_key() const {
    return PROXY_ABI_HAS(&info_, proxy_conn_info, client_key) ? to_view(info_.client_key)
                                                              : client_ip();
  }
  // With PROXY protocol on (server.proxy_protocol), the load balancer the connection came
  // through, while client_ip() is the client it reported; empty when PROXY protocol is
  // off, or the host predates ABI 1.3.
  std::string_view peer_ip() const {
    return PROXY_ABI_HAS(&info_, proxy_conn_info, peer_ip) ? to_view(info_.peer_ip)
                                                           : std::string_view();
  }

  // Starts a deferred decision: return Decision::deferred() from the hook and complete
  // the Completion later, from any thread. Only on_accept, on_request and on_sni can
  // defer; elsewhere this throws std::logic_error.
  Completion defer() const {
    proxy_completion* completion = call_ != nullptr ? host_->defer(call_) : nullptr;
    if (completion == nullptr) {
      throw std::logic_error("this hook cannot defer its decision");
    }
    return Completion(host_, completion);
  }

 private:
  const proxy_conn_info& info_;
  const proxy_host_api* host_;
  proxy_call* call_;
};

struct Header {
  std::string_view name;
  std::string_view value;
};

// A header list. Reading shows the list as the hook received it; edits go to the host
// and are seen by later plugins and by the upstream.
class Headers {
 public:
  Headers(const proxy_header* headers, std::size_t count, proxy_headers* editable,
          const proxy_host_api* host)
      : headers_(headers), count_(count), editable_(editable), host_(host) {}

  std::size_t size() const { return count_; }
  Header operator[](std::size_t i) const {
    return {to_view(headers_[i].name), to_view(headers_[i].value)};
  }
  // The first value of `name` (case-insensitive).
  std::optional<std::string_view> get(std::string_view name) const {
    for (std::size_t i = 0; i < count_; ++i) {
      if (iequals(to_view(headers_[i].name), name)) {
        return to_view(headers_[i].value);
      }
    }
    return std::nullopt;
  }

  bool editable() const { return editable_ != nullptr; }
  // Each returns false when the list is read-only here or the field is not valid HTTP.
  bool set(std::string_view name, std::string_view value) {
    return editable_ != nullptr && host_->header_set(editable_, to_str(name), to_str(value)) == 0;
  }
  bool add(std::string_view name, std::string_view value) {
    return editable_ != nullptr && host_->header_add(editable_, to_str(name), to_str(value)) == 0;
  }
  bool remove(std::string_view name) {
    return editable_ != nullptr && host_->header_remove(editable_, to_str(name)) == 0;
  }

 private:
  const proxy_header* headers_;
  std::size_t count_;
  proxy_headers* editable_;
  const proxy_host_api* host_;
};

class Request {
 public:
  Request(const proxy_request& request, const proxy_host_api* host)
      : request_(request),
        headers_(request.headers, request.header_count, request.editable, host) {}

  std::string_view method() const { return to_view(request_.method); }
  std::string_view target() const { return to_view(request_.target); }
  std::string_view host() const { return to_view(request_.host); }
  std::uint16_t port() const { return request_.port; }
  std::string_view path() const { return to_view(request_.path); }
  int version() const { return static_cast<int>(request_.version); }
  bool is_connect() const { return request_.is_connect != 0; }
  Headers& headers() { return headers_; }
  const Headers& headers() const { return headers_; }
  // An attribute an earlier plugin set on this transaction (ABI 1.2; none from an
  // older host).
  std::optional<std::string_view> attribute(std::string_view name) const {
    if (!PROXY_ABI_HAS(&request_, proxy_request, attribute_count)) {
      return std::nullopt;
    }
    return find_field(request_.attributes, request_.attribute_count, name);
  }

 private:
  const proxy_request& request_;
  Headers headers_;
};

class Response {
 public:
  Response(const proxy_response& response, const proxy_host_api* host)
      : response_(response),
        headers_(response.headers, response.header_count, response.editable, host) {}

  int status() const { return static_cast<int>(response_.status); }
  std::string_view reason() const { return to_view(response_.reason); }
  int version() const { return static_cast<int>(response_.version); }
  Headers& headers() { return headers_; }
  const Headers& headers() const { return headers_; }

 private:
  const proxy_response& response_;
  Headers headers_;
};

// What the core read from the first client bytes of a CONNECT tunnel. Never decrypted:
// with encrypted_client_hello the SNI seen is the outer, public name.
class ClientHello {
 public:
  explicit ClientHello(const proxy_client_hello& hello) : hello_(hello) {}

  bool is_tls() const { return hello_.is_tls != 0; }
  std::string_view sni() const { return to_view(hello_.sni); }
  std::vector<std::string_view> alpn() const {
    std::vector<std::string_view> out;
    out.reserve(hello_.alpn_count);
    for (std::size_t i = 0; i < hello_.alpn_count; ++i) {
      out.push_back(to_view(hello_.alpn[i]));
    }
    return out;
  }
  std::uint16_t legacy_version() const { return hello_.legacy_version; }
  std::uint16_t highest_version() const { return hello_.highest_version; }
  bool has_ech() const { return hello_.has_ech != 0; }

 private:
  const proxy_client_hello& hello_;
};

// The summary on_close receives when a request, a tunnel or a bare connection ends.
class Transaction {
 public:
  enum class Kind : std::uint32_t {
    request = PROXY_TRANSACTION_REQUEST,
    tunnel = PROXY_TRANSACTION_TUNNEL,
    connection = PROXY_TRANSACTION_CONNECTION,
  };

  explicit Transaction(const proxy_transaction& t) : t_(t) {}

  Kind kind() const { return static_cast<Kind>(t_.kind); }
  std::uint64_t conn_id() const { return t_.conn->id; }
  std::string_view client_ip() const { return to_view(t_.conn->client_ip); }
  std::uint16_t client_port() const { return t_.conn->client_port; }
  // The load balancer's address with PROXY protocol on (see Connection::peer_ip()); empty
  // when it is off, or the host predates ABI 1.3.
  std::string_view peer_ip() const {
    return PROXY_ABI_HAS(t_.conn, proxy_conn_info, peer_ip) ? to_view(t_.conn->peer_ip)
                                                            : std::string_view();
  }
  // The io thread the connection lives on: an index for per-thread state.
  std::uint32_t worker() const { return t_.conn->worker; }
  std::string_view method() const { return to_view(t_.method); }
  std::string_view host() const { return to_view(t_.host); }
  std::uint16_t port() const { return t_.port; }
  std::string_view target() const { return to_view(t_.target); }
  int status() const { return static_cast<int>(t_.status); }
  std::string_view sni() const { return to_view(t_.sni); }
  std::uint64_t bytes_client_to_upstream() const { return t_.bytes_client_to_upstream; }
  std::uint64_t bytes_upstream_to_client() const { return t_.bytes_upstream_to_client; }
  std::int64_t start_unix_ms() const { return t_.start_unix_ms; }
  std::uint64_t duration_us() const { return t_.duration_us; }
  Decision::Kind verdict() const { return static_cast<Decision::Kind>(t_.verdict); }
  std::string_view decided_by() const { return to_view(t_.decided_by); }
  std::string_view reason() const { return to_view(t_.reason); }
  // Who the client authenticated as (the "user" attribute, ABI 1.2); none when no
  // plugin set it.
  std::optional<std::string_view> user() const {
    if (!PROXY_ABI_HAS(&t_, proxy_transaction, user) || t_.user.ptr == nullptr) {
      return std::nullopt;
    }
    return to_view(t_.user);
  }
  std::optional<std::string_view> attribute(std::string_view name) const {
    if (!PROXY_ABI_HAS(&t_, proxy_transaction, attribute_count)) {
      return std::nullopt;
    }
    return find_field(t_.attributes, t_.attribute_count, name);
  }
  // How the upstream was reached (ABI 1.3): upstream_direct, or the name of the parent
  // proxy used (the last one tried when none could be); none when no upstream was tried,
  // or the host predates ABI 1.3.
  std::optional<std::string_view> upstream() const {
    if (!PROXY_ABI_HAS(&t_, proxy_transaction, upstream) || t_.upstream.ptr == nullptr) {
      return std::nullopt;
    }
    return to_view(t_.upstream);
  }

 private:
  const proxy_transaction& t_;
};

}  // namespace proxy::sdk

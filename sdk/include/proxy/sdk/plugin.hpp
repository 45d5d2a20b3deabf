#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "proxy/sdk/context.hpp"
#include "proxy/sdk/decision.hpp"
#include "proxy/sdk/http_parser.hpp"
#include "proxy/sdk/types.hpp"

namespace proxy::sdk {

// The hooks a plugin declares; the core calls only those (on_bytes is on the hot path).
enum class Hook : std::uint32_t {
  accept = 1U << 0U,
  request = 1U << 1U,
  sni = 1U << 2U,
  bytes = 1U << 3U,
  response = 1U << 4U,
  close = 1U << 5U,
};

class HookSet {
 public:
  constexpr HookSet() = default;
  constexpr HookSet(Hook hook)
      : bits_(static_cast<std::uint32_t>(hook)) {}  // NOLINT: implicit by design
  constexpr HookSet operator|(HookSet other) const { return HookSet(bits_ | other.bits_); }
  constexpr bool has(Hook hook) const { return (bits_ & static_cast<std::uint32_t>(hook)) != 0; }

 private:
  constexpr explicit HookSet(std::uint32_t bits) : bits_(bits) {}
  std::uint32_t bits_ = 0;
};

constexpr HookSet operator|(Hook a, Hook b) {
  return HookSet(a) | HookSet(b);
}

// Base class of every plugin. A plugin is constructed with its PluginContext& (which
// outlives it), validates its settings there (throw SettingsError), overrides the hooks
// it needs and lists them in hooks().
//
// @par Thread Safety
// Hooks run concurrently on several io threads: a plugin guards its own shared state.
// A hook must not block; one that needs I/O defers (Connection::defer). An exception
// escaping a hook fails that transaction only (500, or a close inside a tunnel).
class Plugin {
 public:
  virtual ~Plugin() = default;

  // The hooks this plugin overrides.
  virtual HookSet hooks() const = 0;

  // A TCP connection was accepted. Reject or close to drop it.
  virtual Decision on_accept(const Connection& conn) {
    (void)conn;
    return Decision::allow();
  }
  // A request head was parsed (CONNECT too). May edit request headers.
  virtual Decision on_request(const Connection& conn, Request& request) {
    (void)conn;
    (void)request;
    return Decision::allow();
  }
  // The first client bytes of a CONNECT tunnel were peeked. Reject or close to end it.
  virtual Decision on_sni(const Connection& conn, const Request& request,
                          const ClientHello& hello) {
    (void)conn;
    (void)request;
    (void)hello;
    return Decision::allow();
  }
  // A chunk moved, either way. Observe only.
  virtual void on_bytes(const Connection& conn, Direction direction, std::string_view bytes) {
    (void)conn;
    (void)direction;
    (void)bytes;
  }
  // The upstream response head of a plain HTTP request arrived. May edit its headers.
  virtual void on_response(const Connection& conn, const Request& request, Response& response) {
    (void)conn;
    (void)request;
    (void)response;
  }
  // A request, tunnel or connection ended.
  virtual void on_close(const Transaction& transaction) { (void)transaction; }

  // How long the core may wait for a tunnel's first client bytes before on_sni runs
  // (then with is_tls() false). Zero: the host's default, timeouts.header_read. The
  // host waits for the largest value its plugins ask for. Read once, after construction.
  virtual std::chrono::milliseconds sni_peek_timeout() const {
    return std::chrono::milliseconds(0);
  }

  // Capabilities: return non-null to provide the HTTP parser.
  virtual HttpParser* http_parser() { return nullptr; }
};

}  // namespace proxy::sdk

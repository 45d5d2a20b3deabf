#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

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
  connection_end = 1U << 6U,  // ABI 1.2
};

// A set of hooks. HookSet::derive() is the default Plugin::hooks(): "the hooks this
// plugin's class overrides", which the export glue works out from the class itself (see
// hooks_of below).
class HookSet {
 public:
  constexpr HookSet() = default;
  constexpr HookSet(Hook hook)
      : bits_(static_cast<std::uint32_t>(hook)) {}  // NOLINT: implicit by design
  static constexpr HookSet derive() { return HookSet(derive_bit); }

  constexpr HookSet operator|(HookSet other) const { return HookSet(bits_ | other.bits_); }
  constexpr bool has(Hook hook) const { return (bits_ & static_cast<std::uint32_t>(hook)) != 0; }
  // True when the set asks for the overridden hooks (alone or besides listed ones).
  constexpr bool derives() const { return (bits_ & derive_bit) != 0; }
  // The listed hooks alone, without the request to derive.
  constexpr HookSet listed() const { return HookSet(bits_ & ~derive_bit); }
  constexpr bool operator==(const HookSet& other) const = default;

 private:
  static constexpr std::uint32_t derive_bit = 1U << 31U;
  constexpr explicit HookSet(std::uint32_t bits) : bits_(bits) {}
  std::uint32_t bits_ = 0;
};

constexpr HookSet operator|(Hook a, Hook b) {
  return HookSet(a) | HookSet(b);
}

// Base class of every plugin. A plugin is constructed with its PluginContext& (which
// outlives it), validates its settings there (throw SettingsError) and overrides the
// hooks it needs; the core calls exactly those (or, when hooks() is overridden, the ones
// it lists).
//
// @par Thread Safety
// Hooks run concurrently on several io threads: a plugin guards its own shared state.
// A hook must not block; one that needs I/O defers (Connection::defer). An exception
// escaping a hook fails that transaction only (500, or a close inside a tunnel).
class Plugin {
 public:
  virtual ~Plugin() = default;

  // The hooks the core calls. By default the ones this plugin's class overrides; a plugin
  // may list them itself instead (sdk::Hook::accept | sdk::Hook::request), and then
  // exactly the listed ones are called. Read once, right after construction.
  virtual HookSet hooks() const { return HookSet::derive(); }

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
  // The client connection ended, after its last on_close (ABI 1.2): drop per-connection
  // state here. Once per connection that on_accept saw, on its io thread.
  virtual void on_connection_end(const Connection& conn) { (void)conn; }

  // How long the core may wait for a tunnel's first client bytes before on_sni runs
  // (then with is_tls() false). Zero: the host's default, timeouts.header_read. The
  // host waits for the largest value its plugins ask for. Read once, after construction.
  virtual std::chrono::milliseconds sni_peek_timeout() const {
    return std::chrono::milliseconds(0);
  }

  // Capabilities: return non-null to provide the HTTP parser.
  virtual HttpParser* http_parser() { return nullptr; }
};

namespace detail {

// The class that declares the hook a plugin's calls resolve to, deduced from the type of
// the member pointer: Plugin when the plugin inherits the default, the overriding class
// otherwise. Deduction picks the matching signature out of any overloads of the name.
template <class C>
C* declares_on_accept(Decision (C::*)(const Connection&));
template <class C>
C* declares_on_request(Decision (C::*)(const Connection&, Request&));
template <class C>
C* declares_on_sni(Decision (C::*)(const Connection&, const Request&, const ClientHello&));
template <class C>
C* declares_on_bytes(void (C::*)(const Connection&, Direction, std::string_view));
template <class C>
C* declares_on_response(void (C::*)(const Connection&, const Request&, Response&));
template <class C>
C* declares_on_close(void (C::*)(const Transaction&));
template <class C>
C* declares_on_connection_end(void (C::*)(const Connection&));

// True only when P provably keeps Plugin's default. Anything the check cannot see through
// (an override declared private, a name hidden by another signature) counts as an
// override: calling a default that does nothing is safe, skipping an override is not.
template <class P>
concept inherits_on_accept = requires {
  { declares_on_accept(&P::on_accept) } -> std::same_as<Plugin*>;
};
template <class P>
concept inherits_on_request = requires {
  { declares_on_request(&P::on_request) } -> std::same_as<Plugin*>;
};
template <class P>
concept inherits_on_sni = requires {
  { declares_on_sni(&P::on_sni) } -> std::same_as<Plugin*>;
};
template <class P>
concept inherits_on_bytes = requires {
  { declares_on_bytes(&P::on_bytes) } -> std::same_as<Plugin*>;
};
template <class P>
concept inherits_on_response = requires {
  { declares_on_response(&P::on_response) } -> std::same_as<Plugin*>;
};
template <class P>
concept inherits_on_close = requires {
  { declares_on_close(&P::on_close) } -> std::same_as<Plugin*>;
};
template <class P>
concept inherits_on_connection_end = requires {
  { declares_on_connection_end(&P::on_connection_end) } -> std::same_as<Plugin*>;
};

}  // namespace detail

// The hooks class PluginT overrides, itself or through a base class of its own.
template <class PluginT>
constexpr HookSet overridden_hooks() {
  static_assert(std::is_base_of_v<Plugin, PluginT>, "PluginT must derive from sdk::Plugin");
  HookSet hooks;
  if constexpr (!detail::inherits_on_accept<PluginT>) {
    hooks = hooks | Hook::accept;
  }
  if constexpr (!detail::inherits_on_request<PluginT>) {
    hooks = hooks | Hook::request;
  }
  if constexpr (!detail::inherits_on_sni<PluginT>) {
    hooks = hooks | Hook::sni;
  }
  if constexpr (!detail::inherits_on_bytes<PluginT>) {
    hooks = hooks | Hook::bytes;
  }
  if constexpr (!detail::inherits_on_response<PluginT>) {
    hooks = hooks | Hook::response;
  }
  if constexpr (!detail::inherits_on_close<PluginT>) {
    hooks = hooks | Hook::close;
  }
  if constexpr (!detail::inherits_on_connection_end<PluginT>) {
    hooks = hooks | Hook::connection_end;
  }
  return hooks;
}

// The hooks the core calls for `plugin`: what its hooks() lists, plus what PluginT
// overrides when hooks() asks for that (the default). PluginT is the plugin's own class,
// the one given to PROXY_PLUGIN.
template <class PluginT>
HookSet hooks_of(const PluginT& plugin) {
  const HookSet declared = plugin.hooks();
  return declared.derives() ? declared.listed() | overridden_hooks<PluginT>() : declared;
}

}  // namespace proxy::sdk

#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "plugin_host/abi_views.hpp"
#include "plugin_host/hook_call.hpp"
#include "plugin_host/hook_decision.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "proxy/sdk/abi.h"

namespace proxy::host {

enum class DecidingHook { accept, request, sni };

// What a deciding hook reads. The caller owns all of it and keeps it alive, unchanged
// except through the hooks' header edits, until the chain has finished (also while it
// is suspended on a deferral).
struct DecidingHookArgs {
  const proxy_conn_info* conn = nullptr;
  RequestView* request = nullptr;             // on_request, on_sni
  const proxy_client_hello* hello = nullptr;  // on_sni
  // The transaction's attributes: each decision's are set here before the next plugin
  // runs (on_request, on_sni; at on_accept there is no transaction and they are dropped).
  AttributeList* attributes = nullptr;
  // The route an allowing decision chose replaces what is here (on_request only: null
  // elsewhere, where a route comes too early or too late and is ignored).
  RouteChoice* route = nullptr;
};

// Runs one deciding hook (on_accept, on_request or on_sni) over every plugin that declared
// it, in plugins.enabled order. The first reject, close or failure ends the chain and
// names its plugin; all allowing means allow.
//
// A plugin that defers suspends the chain. When it completes (on any thread), `post` is
// called with a continuation that must run on the connection's executor; the chain then
// continues with the next plugin and reports the final decision through `done`. The caller
// bounds the wait with time_out() (timeouts.hook).
//
// Usage on the connection's executor:
//   auto chain = HookChain::create(registry, DecidingHook::request, args, post, done);
//   if (auto decision = chain->start()) { /* decided without deferring: use it */ }
//   else { /* wait for done; on the hook timeout: if (auto d = chain->time_out()) use *d */ }
//
// While suspended the chain keeps itself alive; the completion or time_out()/cancel()
// releases it. `done` is dropped once the chain has finished, so it may own the caller's
// state; `post` is used from plugin threads and should own no more than an executor.
// No exception escapes: a plugin that fails gives a failed decision.
//
// @par Thread Safety
// start(), time_out() and cancel() on the connection's executor only; `done` runs there too.
class HookChain : public std::enable_shared_from_this<HookChain> {
 public:
  using Post = std::function<void(std::function<void()>)>;
  using Done = std::function<void(HookDecision)>;

  // Where a chain run stopped: at a final decision, or at a plugin that deferred.
  struct Progress {
    std::optional<HookDecision> decision;  // the chain finished
    std::shared_ptr<Deferral> pending;     // else the deferral it stopped at, not yet suspended
    std::size_t next = 0;                  // the plugin after the one that deferred
  };

  // The fast path, with nothing allocated and nothing shared: runs the plugins from
  // `from` in order until one decides or defers. A caller that gets a decision is done;
  // one that gets a deferral continues with wait_for().
  static Progress run(const PluginRegistry& registry, DecidingHook hook, DecidingHookArgs args,
                      std::size_t from = 0);

  // A chain that continues `progress` (stopped at a deferral): start() suspends it.
  static std::shared_ptr<HookChain> wait_for(const PluginRegistry& registry, DecidingHook hook,
                                             DecidingHookArgs args, Progress progress, Post post,
                                             Done done);

  static std::shared_ptr<HookChain> create(const PluginRegistry& registry, DecidingHook hook,
                                           DecidingHookArgs args, Post post, Done done);

  // Runs plugins until one decides or defers. The decision when the chain finished without
  // waiting (then `done` is not called); nullopt when it is waiting for a completion.
  std::optional<HookDecision> start();

  // Gives up on the pending deferral. Returns the 503 decision naming the plugin when it was
  // still pending; nullopt when nothing was pending or the completion won the race (then
  // `done` will still be called).
  std::optional<HookDecision> time_out();
  // For when nobody needs the answer any more (the connection is gone): the pending
  // deferral is abandoned and `done` is never called.
  void cancel();

  bool suspended() const { return pending_ != nullptr; }
  // The plugin the chain is waiting for; empty when not suspended.
  std::string_view pending_plugin() const;

  // Public for make_shared; use create() or wait_for().
  HookChain(const std::vector<const LoadedPlugin*>& plugins, DecidingHook hook,
            DecidingHookArgs args, Post post, Done done);

 private:
  // Runs from `progress`, suspending at each deferral until one is really pending.
  std::optional<HookDecision> advance(Progress progress);
  void resume(HookDecision decision);
  void finish(HookDecision decision);
  void release();

  const std::vector<const LoadedPlugin*>* plugins_;  // the registry's, immutable while serving
  DecidingHook hook_;
  DecidingHookArgs args_;
  Post post_;
  Done done_;
  std::size_t next_ = 0;
  std::shared_ptr<Deferral> pending_;
  bool finished_ = false;
};

// The observing hooks: plain loops over the plugins that declared them. A plugin that
// misbehaves is logged and skipped; nothing escapes.
void run_on_bytes(const PluginRegistry& registry, const proxy_conn_info& conn,
                  proxy_direction direction, std::string_view bytes);
// Refreshes `response` before each plugin, so each sees earlier plugins' header edits.
void run_on_response(const PluginRegistry& registry, const proxy_conn_info& conn,
                     RequestView& request, ResponseView& response);
void run_on_close(const PluginRegistry& registry, const proxy_transaction& transaction);
void run_on_connection_end(const PluginRegistry& registry, const proxy_conn_info& conn);

}  // namespace proxy::host

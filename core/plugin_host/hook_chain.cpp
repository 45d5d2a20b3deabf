#include "plugin_host/hook_chain.hpp"

#include <spdlog/spdlog.h>

#include "plugin_host/hook_watchdog.hpp"

namespace proxy::host {
namespace {

HookPoint point_of(DecidingHook hook) {
  switch (hook) {
    case DecidingHook::accept:
      return HookPoint::accept;
    case DecidingHook::request:
      return HookPoint::request;
    case DecidingHook::sni:
      return HookPoint::sni;
  }
  return HookPoint::accept;
}

const char* name_of(DecidingHook hook) {
  switch (hook) {
    case DecidingHook::accept:
      return "on_accept";
    case DecidingHook::request:
      return "on_request";
    case DecidingHook::sni:
      return "on_sni";
  }
  return "hook";
}

void invoke(const LoadedPlugin& plugin, DecidingHook hook, const DecidingHookArgs& args,
            proxy_call* call, proxy_decision* out) {
  const HookScope busy(plugin.name, name_of(hook));
  const proxy_hook_table& hooks = plugin.hooks;
  switch (hook) {
    case DecidingHook::accept:
      hooks.on_accept(plugin.self, call, args.conn, out);
      return;
    case DecidingHook::request:
      hooks.on_request(plugin.self, call, args.conn, args.request->refresh(), out);
      return;
    case DecidingHook::sni:
      hooks.on_sni(plugin.self, call, args.conn, args.request->refresh(), args.hello, out);
      return;
  }
}

// A later plugin's route replaces an earlier one's; one that chose nothing keeps it.
void apply_route(const HookDecision& decision, const DecidingHookArgs& args) {
  if (args.route != nullptr && decision.route.kind != RouteChoice::Kind::unset) {
    *args.route = decision.route;
  }
}

// A decision's attributes (the next plugin sees them in its request) and route, set
// before the next plugin runs.
void apply_to_transaction(const HookDecision& decision, const DecidingHookArgs& args) {
  apply_route(decision, args);
  if (decision.attributes.empty() || args.attributes == nullptr) {
    return;
  }
  for (const auto& [name, value] : decision.attributes) {
    if (!args.attributes->set(name, value)) {
      spdlog::warn("[{}] attribute {} not set: PROXY_ATTRIBUTES_MAX reached", decision.plugin,
                   name);
    }
  }
}

HookChain::Progress run_plugins(const std::vector<const LoadedPlugin*>& plugins, DecidingHook hook,
                                const DecidingHookArgs& args, std::size_t from) {
  using Progress = HookChain::Progress;
  for (std::size_t index = from; index < plugins.size(); ++index) {
    const LoadedPlugin& plugin = *plugins[index];
    try {
      HookCall call(plugin.name);
      proxy_decision out{};
      out.size = sizeof(out);
      out.verdict = PROXY_VERDICT_ALLOW;
      invoke(plugin, hook, args, call.get(), &out);
      HookCall::Outcome outcome = call.finish(out);
      if (outcome.pending) {
        return Progress{std::nullopt, std::move(outcome.pending), index + 1};
      }
      apply_to_transaction(*outcome.decision, args);
      if (!outcome.decision->allowed()) {
        return Progress{std::move(outcome.decision), nullptr, index + 1};
      }
    } catch (const std::exception& e) {
      spdlog::error("[{}] {} failed: {}", plugin.name, name_of(hook), e.what());
      return Progress{
          HookDecision::failed(plugin.name, std::string(name_of(hook)) + " failed: " + e.what()),
          nullptr, index + 1};
    } catch (...) {
      spdlog::error("[{}] {} failed", plugin.name, name_of(hook));
      return Progress{HookDecision::failed(plugin.name, std::string(name_of(hook)) + " failed"),
                      nullptr, index + 1};
    }
  }
  return Progress{HookDecision::allow(), nullptr, plugins.size()};
}

}  // namespace

HookChain::Progress HookChain::run(const PluginRegistry& registry, DecidingHook hook,
                                   DecidingHookArgs args, std::size_t from) {
  return run_plugins(registry.with_hook(point_of(hook)), hook, args, from);
}

std::shared_ptr<HookChain> HookChain::wait_for(const PluginRegistry& registry, DecidingHook hook,
                                               DecidingHookArgs args, Progress progress, Post post,
                                               Done done) {
  auto chain = std::make_shared<HookChain>(registry.with_hook(point_of(hook)), hook, args,
                                           std::move(post), std::move(done));
  chain->pending_ = std::move(progress.pending);
  chain->next_ = progress.next;
  return chain;
}

std::shared_ptr<HookChain> HookChain::create(const PluginRegistry& registry, DecidingHook hook,
                                             DecidingHookArgs args, Post post, Done done) {
  return std::make_shared<HookChain>(registry.with_hook(point_of(hook)), hook, args,
                                     std::move(post), std::move(done));
}

HookChain::HookChain(const std::vector<const LoadedPlugin*>& plugins, DecidingHook hook,
                     DecidingHookArgs args, Post post, Done done)
    : plugins_(&plugins),
      hook_(hook),
      args_(args),
      post_(std::move(post)),
      done_(std::move(done)) {}

std::optional<HookDecision> HookChain::start() {
  Progress progress;
  if (pending_) {  // made by wait_for(): continue at its deferral
    progress.pending = std::move(pending_);
    progress.next = next_;
  } else {
    progress = run_plugins(*plugins_, hook_, args_, 0);
  }
  auto decision = advance(std::move(progress));
  if (decision) {
    release();
  }
  return decision;
}

void HookChain::release() {
  finished_ = true;
  // `done` usually owns the caller's connection state, which owns this chain: dropping it
  // here breaks that cycle without the caller's help.
  done_ = nullptr;
}

std::optional<HookDecision> HookChain::advance(Progress progress) {
  for (;;) {
    if (progress.decision) {
      return std::move(progress.decision);
    }
    // The completion may come from any thread: it only posts; the chain moves on, on
    // the connection's executor, in resume().
    auto self = shared_from_this();
    auto early = progress.pending->suspend([self](HookDecision decision) {
      self->post_(
          [self, decision = std::move(decision)]() mutable { self->resume(std::move(decision)); });
    });
    if (!early) {
      pending_ = std::move(progress.pending);
      next_ = progress.next;
      return std::nullopt;
    }
    // Completed between the hook's return and this suspension (a plugin thread racing
    // the io thread): taken at once, its attributes and route set as resume() would.
    apply_to_transaction(*early, args_);
    if (!early->allowed()) {
      return early;
    }
    progress = run_plugins(*plugins_, hook_, args_, progress.next);
  }
}

void HookChain::resume(HookDecision decision) {
  pending_.reset();
  if (finished_) {
    return;  // cancelled after the completion was posted
  }
  apply_to_transaction(decision, args_);
  if (!decision.allowed()) {
    finish(std::move(decision));
    return;
  }
  if (auto result = advance(run_plugins(*plugins_, hook_, args_, next_))) {
    finish(std::move(*result));
  }
}

void HookChain::finish(HookDecision decision) {
  const Done done = std::move(done_);
  release();
  try {
    if (done) {
      done(std::move(decision));
    }
  } catch (const std::exception& e) {
    spdlog::error("handling the {} decision failed: {}", name_of(hook_), e.what());
  } catch (...) {
    spdlog::error("handling the {} decision failed", name_of(hook_));
  }
}

std::optional<HookDecision> HookChain::time_out() {
  if (!pending_) {
    return std::nullopt;
  }
  const auto pending = std::move(pending_);
  if (!pending->cancel()) {
    return std::nullopt;
  }
  release();
  spdlog::warn("[{}] {} did not complete its deferred decision in time", pending->plugin(),
               name_of(hook_));
  return HookDecision::timed_out(pending->plugin());
}

void HookChain::cancel() {
  release();
  if (pending_) {
    const auto pending = std::move(pending_);
    pending->cancel();
  }
}

std::string_view HookChain::pending_plugin() const {
  return pending_ ? std::string_view(pending_->plugin()) : std::string_view();
}

void run_on_bytes(const PluginRegistry& registry, const proxy_conn_info& conn,
                  proxy_direction direction, std::string_view bytes) {
  for (const LoadedPlugin* plugin : registry.with_hook(HookPoint::bytes)) {
    try {
      const HookScope busy(plugin->name, "on_bytes");
      plugin->hooks.on_bytes(plugin->self, &conn, static_cast<std::uint32_t>(direction),
                             {bytes.data(), bytes.size()});
    } catch (...) {
      spdlog::error("[{}] on_bytes let an exception escape", plugin->name);
    }
  }
}

void run_on_response(const PluginRegistry& registry, const proxy_conn_info& conn,
                     RequestView& request, ResponseView& response) {
  for (const LoadedPlugin* plugin : registry.with_hook(HookPoint::response)) {
    try {
      const HookScope busy(plugin->name, "on_response");
      plugin->hooks.on_response(plugin->self, &conn, request.refresh(), response.refresh());
    } catch (...) {
      spdlog::error("[{}] on_response let an exception escape", plugin->name);
    }
  }
}

void run_on_close(const PluginRegistry& registry, const proxy_transaction& transaction) {
  for (const LoadedPlugin* plugin : registry.with_hook(HookPoint::close)) {
    try {
      const HookScope busy(plugin->name, "on_close");
      plugin->hooks.on_close(plugin->self, &transaction);
    } catch (...) {
      spdlog::error("[{}] on_close let an exception escape", plugin->name);
    }
  }
}

void run_on_connection_end(const PluginRegistry& registry, const proxy_conn_info& conn) {
  for (const LoadedPlugin* plugin : registry.with_hook(HookPoint::connection_end)) {
    try {
      const HookScope busy(plugin->name, "on_connection_end");
      plugin->hooks.on_connection_end(plugin->self, &conn);
    } catch (...) {
      spdlog::error("[{}] on_connection_end let an exception escape", plugin->name);
    }
  }
}

}  // namespace proxy::host

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

}  // namespace

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
  auto decision = run_from(0);
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

std::optional<HookDecision> HookChain::run_from(std::size_t index) {
  for (; index < plugins_->size(); ++index) {
    const LoadedPlugin& plugin = *(*plugins_)[index];
    try {
      HookCall call(plugin.name);
      proxy_decision out{};
      out.size = sizeof(out);
      out.verdict = PROXY_VERDICT_ALLOW;
      invoke(plugin, call.get(), &out);

      // The completion may come from any thread: it only posts; the chain moves on, on
      // the connection's executor, in resume().
      auto self = shared_from_this();
      auto outcome = call.finish(out, [self](HookDecision decision) {
        self->post_([self, decision = std::move(decision)]() mutable {
          self->resume(std::move(decision));
        });
      });
      if (outcome.pending) {
        pending_ = std::move(outcome.pending);
        next_ = index + 1;
        return std::nullopt;
      }
      if (!outcome.decision->allowed()) {
        return std::move(outcome.decision);
      }
    } catch (const std::exception& e) {
      spdlog::error("[{}] {} failed: {}", plugin.name, name_of(hook_), e.what());
      return HookDecision::failed(plugin.name,
                                  std::string(name_of(hook_)) + " failed: " + e.what());
    } catch (...) {
      spdlog::error("[{}] {} failed", plugin.name, name_of(hook_));
      return HookDecision::failed(plugin.name, std::string(name_of(hook_)) + " failed");
    }
  }
  return HookDecision::allow();
}

void HookChain::invoke(const LoadedPlugin& plugin, proxy_call* call, proxy_decision* out) const {
  const HookScope busy(plugin.name, name_of(hook_));
  const proxy_hook_table& hooks = plugin.hooks;
  switch (hook_) {
    case DecidingHook::accept:
      hooks.on_accept(plugin.self, call, args_.conn, out);
      return;
    case DecidingHook::request:
      hooks.on_request(plugin.self, call, args_.conn, args_.request->refresh(), out);
      return;
    case DecidingHook::sni:
      hooks.on_sni(plugin.self, call, args_.conn, args_.request->refresh(), args_.hello, out);
      return;
  }
}

void HookChain::resume(HookDecision decision) {
  pending_.reset();
  if (finished_) {
    return;  // cancelled after the completion was posted
  }
  if (!decision.allowed()) {
    finish(std::move(decision));
    return;
  }
  if (auto result = run_from(next_)) {
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

}  // namespace proxy::host

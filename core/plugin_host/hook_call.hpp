#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "plugin_host/hook_decision.hpp"
#include "proxy/sdk/abi.h"

namespace proxy::host {
class Deferral;
}  // namespace proxy::host

// The C ABI's opaque per-call handle: valid during one deciding hook call only.
struct proxy_call {
  const std::string* plugin = nullptr;
  std::shared_ptr<proxy::host::Deferral> deferral;  // set by the first defer()
};

namespace proxy::host {

// Receives the decision of a deferral that completed after its hook returned. Called
// once, on the thread that completed (any thread): the core's version posts to the
// connection's executor and must not block.
using ResumeFn = std::function<void(HookDecision)>;

// The shared state of one deferred decision, between the core (which waits, or times
// out) and the plugin (which holds a proxy_completion handle until it completes).
//
// Whichever comes first under the lock wins: complete() hands the decision over exactly
// once; abandon() or cancel() make a later complete() a logged no-op that frees the state.
//
// @par Thread Safety
// Every member is safe from any thread.
class Deferral {
 public:
  explicit Deferral(std::string plugin) : plugin_(std::move(plugin)) {}

  const std::string& plugin() const { return plugin_; }

  // The hook returned PROXY_VERDICT_DEFER. Returns the decision when complete() already
  // came (the plugin completed before returning); otherwise keeps `resume` for it.
  std::optional<HookDecision> suspend(ResumeFn resume);
  // The hook returned a final verdict after calling defer(): its completion is moot.
  void abandon();
  // The core gives up waiting (timeout, connection gone). True when the deferral was still
  // pending, so resume will never run; false when complete() won the race.
  bool cancel();

  // The C entry points behind proxy_host_api::defer and ::complete.
  static proxy_completion* start(proxy_call* call);
  static void complete(proxy_completion* completion, const proxy_decision* decision);

  // Shutdown, once no io thread runs: every deferral still waiting is cancelled, so a
  // plugin completing later (from a timer or its own thread) reaches nothing of the
  // stopped data path. Returns how many were waiting.
  static std::size_t cancel_all_pending();
  // Deferrals whose completion handle is still outstanding (for tests and leak checks).
  static std::size_t pending_count();

 private:
  enum class State { running, completed_early, waiting, finished, abandoned, cancelled };

  void on_complete(HookDecision decision);

  std::mutex mutex_;
  State state_ = State::running;
  std::string plugin_;
  std::optional<HookDecision> early_;
  ResumeFn resume_;
  std::uint64_t id_ = 0;  // its completion handle, set once by start()
};

// One deciding-hook invocation on one plugin: owns the proxy_call handed to the hook and
// turns what the hook returned into either a decision or a pending deferral.
class HookCall {
 public:
  explicit HookCall(const std::string& plugin);
  HookCall(const HookCall&) = delete;
  HookCall& operator=(const HookCall&) = delete;
  ~HookCall();

  proxy_call* get() { return &call_; }

  struct Outcome {
    std::optional<HookDecision> decision;  // set unless the hook is still deciding
    std::shared_ptr<Deferral> pending;     // set while waiting for complete()
  };
  // After the hook returned `out`. `resume` is kept only when the outcome is pending.
  Outcome finish(const proxy_decision& out, ResumeFn resume);
  // The same without suspending: a pending outcome's deferral is still running, and
  // the caller suspends it (Deferral::suspend) once it has somewhere to resume. Lets a
  // chain build its resume state only when a plugin really defers.
  Outcome finish(const proxy_decision& out);

 private:
  proxy_call call_;
};

}  // namespace proxy::host

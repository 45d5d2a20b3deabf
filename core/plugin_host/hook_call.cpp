#include "plugin_host/hook_call.hpp"

#include <cstdint>
#include <unordered_map>
#include <vector>

#include <spdlog/spdlog.h>

namespace proxy::host {
namespace {

// Completion handles are never-reused ids looked up here, not pointers to the state: a
// plugin that completes twice, or after a timeout freed the state, gets a logged no-op
// instead of a use-after-free in the host.
class CompletionTable {
 public:
  static CompletionTable& instance() {
    static CompletionTable table;
    return table;
  }

  proxy_completion* insert(std::shared_ptr<Deferral> deferral) {
    const std::lock_guard lock(mutex_);
    const std::uint64_t id = next_id_++;
    entries_.emplace(id, std::move(deferral));
    // An opaque id, never dereferenced: that is what makes a stale handle harmless.
    return reinterpret_cast<proxy_completion*>(  // NOLINT(performance-no-int-to-ptr)
        static_cast<std::uintptr_t>(id));
  }

  std::shared_ptr<Deferral> take(proxy_completion* handle) {
    const auto id = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(handle));
    const std::lock_guard lock(mutex_);
    const auto it = entries_.find(id);
    if (it == entries_.end()) {
      return nullptr;
    }
    auto deferral = std::move(it->second);
    entries_.erase(it);
    return deferral;
  }

  // The core stopped waiting: the entry goes now, not when (if ever) the plugin completes.
  void erase(std::uint64_t id) {
    std::shared_ptr<Deferral> dropped;
    const std::lock_guard lock(mutex_);
    const auto it = entries_.find(id);
    if (it != entries_.end()) {
      dropped = std::move(it->second);
      entries_.erase(it);
    }
  }

  std::vector<std::shared_ptr<Deferral>> take_all() {
    std::vector<std::shared_ptr<Deferral>> all;
    const std::lock_guard lock(mutex_);
    all.reserve(entries_.size());
    for (auto& [id, deferral] : entries_) {
      all.push_back(std::move(deferral));
    }
    entries_.clear();
    return all;
  }

  std::size_t size() const {
    const std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;  // 0 would read as NULL, "cannot defer"
  std::unordered_map<std::uint64_t, std::shared_ptr<Deferral>> entries_;
};

}  // namespace

std::optional<HookDecision> Deferral::suspend(ResumeFn resume) {
  const std::lock_guard lock(mutex_);
  if (state_ == State::completed_early) {
    state_ = State::finished;
    return std::move(early_);
  }
  state_ = State::waiting;
  resume_ = std::move(resume);
  return std::nullopt;
}

void Deferral::abandon() {
  {
    const std::lock_guard lock(mutex_);
    if (state_ == State::running) {
      state_ = State::abandoned;
    } else if (state_ == State::completed_early) {
      state_ = State::finished;
    }
  }
  CompletionTable::instance().erase(id_);  // a completion now would change nothing
}

bool Deferral::cancel() {
  ResumeFn dropped;
  {
    const std::lock_guard lock(mutex_);
    if (state_ != State::waiting) {
      return false;
    }
    state_ = State::cancelled;
    dropped = std::move(resume_);
  }
  // A completion that never comes must not keep its entry (and what `resume` owned).
  CompletionTable::instance().erase(id_);
  // `dropped` dies here, outside the lock: it may own the very object cancelling.
  return true;
}

std::size_t Deferral::cancel_all_pending() {
  std::size_t cancelled = 0;
  for (const auto& deferral : CompletionTable::instance().take_all()) {
    cancelled += deferral->cancel() ? 1 : 0;
  }
  return cancelled;
}

std::size_t Deferral::pending_count() {
  return CompletionTable::instance().size();
}

void Deferral::on_complete(HookDecision decision) {
  ResumeFn resume;
  {
    const std::lock_guard lock(mutex_);
    switch (state_) {
      case State::running:
        early_ = std::move(decision);
        state_ = State::completed_early;
        return;
      case State::waiting:
        state_ = State::finished;
        resume = std::move(resume_);
        break;
      case State::abandoned:
        state_ = State::finished;
        spdlog::debug("[{}] completion ignored: the hook had already returned a final verdict",
                      plugin_);
        return;
      case State::cancelled:
        state_ = State::finished;
        spdlog::info("[{}] deferred decision completed after the core stopped waiting; ignored",
                     plugin_);
        return;
      case State::completed_early:
      case State::finished:
        return;  // the table hands a handle out once, so this is not reached
    }
  }
  try {
    resume(std::move(decision));
  } catch (const std::exception& e) {
    spdlog::error("[{}] resuming a deferred decision failed: {}", plugin_, e.what());
  } catch (...) {
    spdlog::error("[{}] resuming a deferred decision failed", plugin_);
  }
}

proxy_completion* Deferral::start(proxy_call* call) {
  if (call == nullptr) {
    return nullptr;
  }
  if (call->deferral) {
    // One decision per call: a second promise for it could only contradict the first.
    spdlog::warn("[{}] defer() called twice in one hook call; refused", *call->plugin);
    return nullptr;
  }
  try {
    call->deferral = std::make_shared<Deferral>(*call->plugin);
    proxy_completion* handle = CompletionTable::instance().insert(call->deferral);
    call->deferral->id_ = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(handle));
    return handle;
  } catch (...) {
    call->deferral.reset();
    return nullptr;
  }
}

void Deferral::complete(proxy_completion* completion, const proxy_decision* decision) {
  // Called from plugin threads: nothing may escape into plugin code.
  try {
    const auto deferral = CompletionTable::instance().take(completion);
    if (!deferral) {
      spdlog::info(
          "a plugin completed a deferred decision the core no longer waits for (timed out, "
          "the client left, already completed, or never existed); ignored");
      return;
    }
    HookDecision result = decision == nullptr ? HookDecision::failed(deferral->plugin(),
                                                                     "completed without a decision")
                                              : read_decision(*decision, deferral->plugin());
    deferral->on_complete(std::move(result));
  } catch (...) {
    spdlog::error("completing a deferred decision failed");
  }
}

HookCall::HookCall(const std::string& plugin) {
  call_.plugin = &plugin;
}

HookCall::~HookCall() {
  // A call that ended without finish() (the core threw between the hook and finish())
  // must not leave its deferral waiting forever.
  if (call_.deferral) {
    call_.deferral->abandon();
  }
}

HookCall::Outcome HookCall::finish(const proxy_decision& out) {
  auto deferral = std::move(call_.deferral);
  const std::string& plugin = *call_.plugin;
  if (out.verdict != PROXY_VERDICT_DEFER) {
    if (deferral) {
      deferral->abandon();
    }
    return Outcome{read_decision(out, plugin), nullptr};
  }
  if (!deferral) {
    return Outcome{
        HookDecision::failed(plugin, "returned a deferred verdict without calling defer()"),
        nullptr};
  }
  return Outcome{std::nullopt, std::move(deferral)};
}

HookCall::Outcome HookCall::finish(const proxy_decision& out, ResumeFn resume) {
  Outcome outcome = finish(out);
  if (outcome.pending) {
    if (auto early = outcome.pending->suspend(std::move(resume))) {
      return Outcome{std::move(early), nullptr};
    }
  }
  return outcome;
}

}  // namespace proxy::host

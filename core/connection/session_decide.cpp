// The session's deciding hooks once a plugin defers: the wait for its completion under
// timeouts.hook, watching the client meanwhile. (The plain loop before it, HookChain::run,
// runs at the call site: no coroutine frame is made unless a plugin defers.)
#include "connection/session.hpp"
#include "connection/session_support.hpp"

namespace proxy::core {

using session_support::no_deadline;

asio::awaitable<host::HookDecision> Session::wait_for_deferral(host::DecidingHook hook,
                                                               host::DecidingHookArgs args,
                                                               host::HookChain::Progress progress) {
  // The completion arrives on a plugin's thread; `wake` brings it back here.
  const auto executor = client_.socket().get_executor();
  auto wake = std::make_shared<asio::steady_timer>(executor, no_deadline);
  auto result = std::make_shared<std::optional<host::HookDecision>>();
  auto chain = host::HookChain::wait_for(
      context_.registry, hook, args, std::move(progress),
      [executor](std::function<void()> fn) { asio::post(executor, std::move(fn)); },
      [wake, result](host::HookDecision decision) {
        *result = std::move(decision);
        wake->cancel();
      });
  if (auto decided = chain->start()) {
    co_return *decided;
  }
  struct CancelOnExit {
    std::shared_ptr<host::HookChain> chain;
    const std::shared_ptr<std::optional<host::HookDecision>>& result;
    ~CancelOnExit() {
      if (!result->has_value()) {
        chain->cancel();
      }
    }
  } cancel_on_exit{chain, result};

  // One deadline for the whole chain: a later plugin that defers after an earlier one
  // completed gets what is left of timeouts.hook, not a fresh wait.
  const auto deadline = Clock::now() + context_.config.timeouts.hook;
  const ClientWatch watch(*this, hook != host::DecidingHook::sni, [wake] { wake->cancel(); });
  while (!result->has_value()) {
    boost::system::error_code ec;
    wake->expires_at(deadline);
    co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (result->has_value()) {
      break;
    }
    if (client_gone_) {
      co_return host::HookDecision::make(PROXY_VERDICT_CLOSE, 0, "client closed the connection",
                                         "core");
    }
    if (Clock::now() < deadline) {
      continue;  // woken early by nothing that concerns this wait
    }
    if (auto timed_out = chain->time_out()) {
      co_return *timed_out;
    }
    // A completion won the race and is already posted to this executor: let it run (it
    // may finish the chain, or start the next plugin's deferral, which then times out).
    co_await asio::post(executor, asio::use_awaitable);
  }
  co_return **result;
}

}  // namespace proxy::core

#include "app/asio_timer_service.hpp"

#include <vector>

namespace proxy::app {

AsioTimerService::AsioTimerService() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}

AsioTimerService::~AsioTimerService() {
  cancel_all();
}

void AsioTimerService::schedule(std::chrono::milliseconds delay,
                                std::function<void(bool cancelled)> fn) {
  std::unique_lock lock(mutex_);
  if (closed_) {
    lock.unlock();
    fn(true);
    return;
  }
  const std::uint64_t id = next_id_++;
  auto timer = std::make_unique<asio::steady_timer>(io_, delay);
  timer->async_wait([this, id](const boost::system::error_code&) { fire(id); });
  pending_.emplace(id, Pending{std::move(timer), std::move(fn)});
}

void AsioTimerService::fire(std::uint64_t id) {
  std::function<void(bool)> fn;
  {
    const std::lock_guard lock(mutex_);
    const auto it = pending_.find(id);
    if (it == pending_.end()) {
      return;
    }
    fn = std::move(it->second.fn);
    pending_.erase(it);
  }
  // Outside the lock: fn may schedule again.
  fn(false);
}

void AsioTimerService::cancel_all() {
  {
    const std::lock_guard lock(mutex_);
    if (closed_) {
      return;
    }
    closed_ = true;
  }
  guard_.reset();
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
  std::map<std::uint64_t, Pending> left;
  {
    const std::lock_guard lock(mutex_);
    left.swap(pending_);
  }
  for (auto& [id, pending] : left) {
    pending.fn(true);
  }
}

}  // namespace proxy::app

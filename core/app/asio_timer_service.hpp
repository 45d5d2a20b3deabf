#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "asio.hpp"
#include "plugin_host/timer_service.hpp"

namespace proxy::app {

// Plugin timers on a thread of their own, so a plugin's timer work never delays the
// data path's io threads, and shutdown can cancel every pending timer in one place.
class AsioTimerService final : public host::TimerService {
 public:
  AsioTimerService();
  AsioTimerService(const AsioTimerService&) = delete;
  AsioTimerService& operator=(const AsioTimerService&) = delete;
  ~AsioTimerService() override;

  void schedule(std::chrono::milliseconds delay, std::function<void(bool cancelled)> fn) override;
  void cancel_all() override;

 private:
  struct Pending {
    std::unique_ptr<asio::steady_timer> timer;
    std::function<void(bool)> fn;
  };

  void fire(std::uint64_t id);

  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
  std::mutex mutex_;
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_id_ = 0;
  bool closed_ = false;
};

}  // namespace proxy::app

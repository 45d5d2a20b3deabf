#include "app/service_notifier.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <ctime>
#include <system_error>

namespace proxy::app {
namespace {

void send(const std::string& message) {
  // 0: keep NOTIFY_SOCKET in the environment, later notices need it too. Returns 0 when
  // there is no socket to tell, > 0 when sent.
  const int result = sd_notify(0, message.c_str());
  if (result < 0) {
    spdlog::warn("telling the service manager '{}' failed: {}", message,
                 std::error_code(-result, std::system_category()).message());
  }
}

}  // namespace

std::uint64_t monotonic_usec() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000U +
         static_cast<std::uint64_t>(now.tv_nsec) / 1'000U;
}

std::string reloading_message(std::uint64_t monotonic_usec) {
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec);
}

void notify_ready() {
  send(ready_message);
}

void notify_stopping() {
  send(stopping_message);
}

void notify_reloading() {
  send(reloading_message(monotonic_usec()));
}

}  // namespace proxy::app

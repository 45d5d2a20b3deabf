#include "app/shutdown_sequence.hpp"

#include <spdlog/spdlog.h>

#include <csignal>

namespace proxy::app {

ShutdownSequence::ShutdownSequence(asio::io_context& context)
    : signals_(context, SIGINT, SIGTERM), delay_timer_(context) {}

void ShutdownSequence::arm(Steps steps) {
  steps_ = std::move(steps);
  signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (!ec) {
      begin(signal_number);
    }
  });
}

void ShutdownSequence::begin(int signal_number) {
  if (steps_.shutdown_begun != nullptr) {
    steps_.shutdown_begun->store(true);
  }
  if (steps_.on_begin) {
    steps_.on_begin(signal_number);
  }
  if (steps_.delay.count() <= 0) {
    finish();
    return;
  }
  spdlog::info("/_ready answers 503; still accepting for {} ms (server.shutdown_delay)",
               steps_.delay.count());
  signals_.async_wait([this](const boost::system::error_code& ec, int again) {
    if (!ec) {
      spdlog::info("received signal {} again: stopping now", again);
      finish();
    }
  });
  delay_timer_.expires_after(steps_.delay);
  delay_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) {
      finish();
    }
  });
}

void ShutdownSequence::finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  // Nothing may keep the context running once the listener is gone.
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  delay_timer_.cancel();
  steps_.stop_accepting();
}

}  // namespace proxy::app

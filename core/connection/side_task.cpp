#include "connection/side_task.hpp"

#include <spdlog/spdlog.h>

namespace proxy::core {

asio::awaitable<void> SideTask::join() {
  while (!state_->done) {
    boost::system::error_code ec;
    co_await state_->finished.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void SideTask::log_failure(const char* name, const std::exception_ptr& error) {
  // Nothing may escape a completion handler: it would end the io thread and the process.
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("{} failed: {}", name, e.what());
  } catch (...) {
    spdlog::error("{} failed with a non-standard exception", name);
  }
}

}  // namespace proxy::core

#include "app/generation_reaper.hpp"

#include <spdlog/spdlog.h>

#include <cstdint>

namespace proxy::app {
namespace {

void destroy(const core::Generation* generation) {
  const std::uint64_t number = generation->number;
  // The registry cancels the generation's timers, then destroys its plugin instances;
  // their libraries are unloaded unless a newer generation still uses the same files.
  delete generation;
  spdlog::info(
      "configuration generation {} retired: no connection uses it, its plugins are destroyed",
      number);
}

}  // namespace

std::shared_ptr<const core::Generation> GenerationReaper::share(
    std::unique_ptr<core::Generation> generation) {
  return {generation.release(), [this](const core::Generation* retired) { retire(retired); }};
}

GenerationReaper::Attachment GenerationReaper::attach(asio::io_context& context) {
  const std::lock_guard lock(mutex_);
  context_ = &context;
  return Attachment(*this);
}

void GenerationReaper::detach() {
  const std::lock_guard lock(mutex_);
  context_ = nullptr;
}

void GenerationReaper::retire(const core::Generation* generation) {
  {
    const std::lock_guard lock(mutex_);
    if (context_ != nullptr) {
      // Under the lock, so detach() cannot let the context go while this posts.
      asio::post(*context_, [generation] { destroy(generation); });
      return;
    }
  }
  destroy(generation);
}

}  // namespace proxy::app

#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "config/config.hpp"
#include "connection/destination_policy.hpp"
#include "connection/generation.hpp"
#include "connection/local_addresses.hpp"
#include "plugin_host/core_counters.hpp"
#include "plugin_host/timer_service.hpp"

namespace proxy::app {

// What every generation is built with: the process-wide parts it refers to.
struct GenerationInputs {
  host::TimerService* timers = nullptr;         // the process's timer thread
  host::CoreCounters* counters = nullptr;       // null: the registry counts on its own
  const core::LocalAddresses* local = nullptr;  // null: no DestinationPolicy is made
  std::optional<core::SelfEndpoint> self;       // the bound listener, once known
  std::filesystem::path exe_dir;
};

// Creates the plugins `config` enables, with their settings, and what sessions derive
// from them. Throws host::PluginError (one line, naming the plugin) when a plugin cannot
// be loaded or started, or no enabled plugin provides the HTTP parser; whatever was
// created is destroyed again first. Runs on any thread but an io thread.
std::unique_ptr<core::Generation> build_generation(std::uint64_t number, config::Config config,
                                                   const GenerationInputs& inputs);

}  // namespace proxy::app

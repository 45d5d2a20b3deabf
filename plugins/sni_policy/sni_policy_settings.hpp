#pragma once

#include <chrono>

#include <nlohmann/json.hpp>

#include "domain_set.hpp"

namespace proxy::plugins::sni_policy {

// plugins.settings.sni_policy, validated and frozen at startup.
struct SniPolicySettings {
  common::DomainSet blocked;
  common::DomainSet allowed;  // empty: every SNI not blocked passes
  bool block_missing_sni = true;
  bool block_ech = false;
  std::chrono::milliseconds peek_timeout{5000};
  bool require_host_match = false;
};

// The longest peek_timeout accepted: the core caps a plugin's ask at an hour.
constexpr double max_peek_timeout_seconds = 3600;

// Throws sdk::SettingsError naming the key (and list index) of the first bad value.
SniPolicySettings parse_sni_policy_settings(const nlohmann::json& settings);

}  // namespace proxy::plugins::sni_policy

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <string_view>

#include "config/config.hpp"
#include "config/dns_server.hpp"
#include "config/yaml_json.hpp"

namespace proxy::config {
namespace {

bool is_yaml11_bool(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text == "yes" || text == "no" || text == "on" || text == "off" || text == "y" ||
         text == "n";
}

// A plain scalar cannot carry control characters (a lone '\r' is a line break to some
// readers and text to others) or whitespace at either end (a reader strips it); double
// quotes escape both.
bool needs_escapes(const std::string& text) {
  if (text.empty() || text.front() == ' ' || text.back() == ' ') {
    return true;
  }
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return true;
    }
  }
  return false;
}

// Quotes strings that would otherwise read back as numbers, booleans or null, so the
// output loads again to the same values, also under YAML 1.1 readers; strings with a
// ':' ("::1/128"), which some readers reject unquoted inside [ ]; and those that need
// escapes.
void emit_string(YAML::Emitter& out, const std::string& text) {
  if (plain_scalar_is_typed(text) || is_yaml11_bool(text) || text.find(':') != std::string::npos ||
      needs_escapes(text)) {
    out << YAML::DoubleQuoted << text;
  } else {
    out << text;
  }
}

std::string seconds_text(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string fraction = std::to_string(1000 + ms % 1000).substr(1);
    fraction.erase(fraction.find_last_not_of('0') + 1);
    text += '.' + fraction;
  }
  return text;
}

// Shortest text that reads back as the same double, always with a '.' or exponent so it
// stays a float rather than becoming an integer.
std::string float_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".eEn") == std::string::npos) {
    text += ".0";
  }
  return text;
}

bool all_scalars(const nlohmann::json& array) {
  for (const auto& item : array) {
    if (item.is_structured()) {
      return false;
    }
  }
  return true;
}

void emit_json(YAML::Emitter& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      break;
    case nlohmann::json::value_t::boolean:
      out << (value.get<bool>() ? "true" : "false");
      break;
    case nlohmann::json::value_t::number_integer:
      out << std::to_string(value.get<std::int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      out << std::to_string(value.get<std::uint64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      out << float_text(value.get<double>());
      break;
    case nlohmann::json::value_t::string:
      // Plugin settings keep their quoted strings quoted: a plugin may care ("-" vs -1).
      emit_string(out, value.get<std::string>());
      break;
    case nlohmann::json::value_t::array:
      if (value.empty() || all_scalars(value)) {
        out << YAML::Flow;
      }
      out << YAML::BeginSeq;
      for (const auto& item : value) {
        emit_json(out, item);
      }
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::object:
      if (value.empty()) {
        out << YAML::Flow;
      }
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        emit_string(out, key);
        out << YAML::Value;
        emit_json(out, item);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
      out << YAML::Null;
      break;
  }
}

void emit_networks(YAML::Emitter& out, const char* key, const std::vector<Network>& networks) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const Network& network : networks) {
    emit_string(out, network.text);
  }
  out << YAML::EndSeq;
}

template <typename Number>
void emit_number(YAML::Emitter& out, const char* key, Number value) {
  out << YAML::Key << key << YAML::Value << std::to_string(value);
}

void emit_seconds(YAML::Emitter& out, const char* key, std::chrono::milliseconds value) {
  out << YAML::Key << key << YAML::Value << seconds_text(value);
}

}  // namespace

std::string print_config(const Config& config) {
  YAML::Emitter out;
  std::string sources;
  for (const auto& file : config.files) {
    sources += (sources.empty() ? "" : ", ") + file.string();
  }
  out << YAML::Comment("effective configuration" +
                       (sources.empty() ? std::string(" (defaults)") : " merged from: " + sources));
  out << YAML::Newline << YAML::BeginMap;

  out << YAML::Key << "server" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "listen" << YAML::Value;
  emit_string(out, config.server.listen);
  emit_number(out, "port", config.server.port);
  emit_number(out, "workers", config.server.workers);
  emit_number(out, "max_connections", config.server.max_connections);
  emit_number(out, "max_connections_per_ip", config.server.max_connections_per_ip);
  emit_seconds(out, "shutdown_grace", config.server.shutdown_grace);
  emit_seconds(out, "shutdown_delay", config.server.shutdown_delay);
  emit_number(out, "ipv6_client_prefix", config.server.ipv6_client_prefix);
  out << YAML::Key << "proxy_protocol" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "mode" << YAML::Value;
  emit_string(out, proxy_protocol_mode_name(config.server.proxy_protocol.mode));
  emit_networks(out, "trusted", config.server.proxy_protocol.trusted);
  emit_seconds(out, "timeout", config.server.proxy_protocol.timeout);
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  emit_number(out, "max_header_bytes", config.limits.max_header_bytes);
  emit_number(out, "max_headers", config.limits.max_headers);
  emit_number(out, "buffer_bytes", config.limits.buffer_bytes);
  out << YAML::EndMap;

  out << YAML::Key << "timeouts" << YAML::Value << YAML::BeginMap;
  emit_seconds(out, "header_read", config.timeouts.header_read);
  emit_seconds(out, "connect", config.timeouts.connect);
  emit_seconds(out, "idle", config.timeouts.idle);
  emit_seconds(out, "hook", config.timeouts.hook);
  out << YAML::EndMap;

  out << YAML::Key << "upstream" << YAML::Value << YAML::BeginMap;
  emit_networks(out, "deny_networks", config.upstream.deny_networks);
  out << YAML::Key << "local_destinations" << YAML::Value;
  emit_string(out, local_destinations_name(config.upstream.local_destinations));
  const DnsConfig& dns = config.upstream.dns;
  out << YAML::Key << "dns" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "servers" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const DnsServer& server : dns.servers) {
    emit_string(out, dns_server_text(server));
  }
  out << YAML::EndSeq;
  emit_seconds(out, "timeout", dns.timeout);
  emit_number(out, "cache_entries", dns.cache_entries);
  emit_number(out, "min_ttl", dns.min_ttl.count());
  emit_number(out, "max_ttl", dns.max_ttl.count());
  out << YAML::EndMap;
  emit_number(out, "happy_eyeballs_delay_ms", config.upstream.happy_eyeballs_delay.count());
  out << YAML::Key << "upgrade_allowed" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const std::string& protocol : config.upstream.upgrade_allowed) {
    emit_string(out, protocol);
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;

  out << YAML::Key << "admin" << YAML::Value << YAML::BeginMap;
  emit_networks(out, "allow", config.admin.allow);
  out << YAML::EndMap;

  out << YAML::Key << "logging" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "level" << YAML::Value;
  emit_string(out, config.logging.level);
  out << YAML::EndMap;

  out << YAML::Key << "plugins" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "dirs" << YAML::Value;
  if (config.plugins.dirs.empty()) {
    out << YAML::Flow;
  }
  out << YAML::BeginSeq;
  for (const auto& dir : config.plugins.dirs) {
    emit_string(out, dir.string());
  }
  out << YAML::EndSeq;
  out << YAML::Key << "enabled" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& name : config.plugins.enabled) {
    emit_string(out, name);
  }
  out << YAML::EndSeq;
  out << YAML::Key << "settings" << YAML::Value;
  if (config.plugins.settings.empty()) {
    out << YAML::Flow;
  }
  out << YAML::BeginMap;
  for (const auto& [name, settings] : config.plugins.settings) {
    out << YAML::Key;
    emit_string(out, name);
    out << YAML::Value;
    emit_json(out, settings);
  }
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace proxy::config

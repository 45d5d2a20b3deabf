#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

// Building blocks of the Prometheus text exposition format, version 0.0.4.
namespace proxy::plugins::metrics {

inline constexpr std::string_view exposition_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

// A label value with backslash, double quote and line feed escaped, as the format asks.
std::string escape_label_value(std::string_view value);
// HELP text escapes backslash and line feed only.
std::string escape_help(std::string_view help);
// A bound or value in seconds, shortest round-trip form ("0.005", "1", "3600").
std::string format_seconds(double seconds);
// Whole microseconds as exact decimal seconds ("0", "0.000001", "12.5").
std::string format_micros_as_seconds(std::uint64_t micros);

using Label = std::pair<std::string_view, std::string_view>;

// Appends families to a string: one HELP and TYPE header, then its samples.
class ExpositionWriter {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, std::initializer_list<Label> labels, std::string_view value);
  void sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace proxy::plugins::metrics

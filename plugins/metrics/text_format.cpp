#include "text_format.hpp"

#include <array>
#include <charconv>

namespace proxy::plugins::metrics {

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_seconds(double seconds) {
  // Fixed, not the shortest form: 0.0001, never 1e-04, so an `le` label is what a query
  // that names the bound in decimal (le="0.0001") matches. Room for the longest fixed
  // form of a double (a denormal has some 330 digits after the point).
  std::array<char, 400> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), seconds,
                                    std::chars_format::fixed);
  return {buffer.data(), result.ptr};
}

std::string format_micros_as_seconds(std::uint64_t micros) {
  constexpr std::uint64_t per_second = 1000000;
  std::string out = std::to_string(micros / per_second);
  std::uint64_t fraction = micros % per_second;
  if (fraction == 0) {
    return out;
  }
  std::string digits = std::to_string(fraction);
  digits.insert(0, 6 - digits.size(), '0');
  digits.erase(digits.find_last_not_of('0') + 1);
  return out + "." + digits;
}

void ExpositionWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(escape_help(help)).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void ExpositionWriter::sample(std::string_view name, std::initializer_list<Label> labels,
                              std::string_view value) {
  out_.append(name);
  if (labels.size() > 0) {
    out_ += '{';
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      if (!first) {
        out_ += ',';
      }
      first = false;
      out_.append(label).append("=\"").append(escape_label_value(label_value)).append("\"");
    }
    out_ += '}';
  }
  out_.append(" ").append(value).append("\n");
}

void ExpositionWriter::sample(std::string_view name, std::initializer_list<Label> labels,
                              std::uint64_t value) {
  sample(name, labels, std::to_string(value));
}

}  // namespace proxy::plugins::metrics

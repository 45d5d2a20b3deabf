#include "access_line.hpp"

#include <charconv>
#include <cstdint>
#include <string_view>

#include "json_escape.hpp"
#include "rfc3339.hpp"
#include "transaction_outcome.hpp"

namespace proxy::plugins::json_log {
namespace {

void append_number(std::string& out, std::uint64_t number) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof(digits), number).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

void append_text_or_null(std::string& out, std::string_view text) {
  if (text.empty()) {
    out += "null";
  } else {
    append_json_string(out, text);
  }
}

void append_number_or_null(std::string& out, std::uint64_t number) {
  if (number == 0) {
    out += "null";
  } else {
    append_number(out, number);
  }
}

// Milliseconds from microseconds, exactly: "12.345", "12.3", "0.0". The shortest text of
// the double us / 1000.0 (what nlohmann wrote) is the same below about 2^52 us.
void append_milliseconds(std::string& out, std::uint64_t us) {
  append_number(out, us / 1000);
  out.push_back('.');
  std::uint64_t fraction = us % 1000;
  if (fraction == 0) {
    out.push_back('0');
    return;
  }
  char digits[3] = {static_cast<char>('0' + fraction / 100),
                    static_cast<char>('0' + fraction / 10 % 10),
                    static_cast<char>('0' + fraction % 10)};
  std::size_t length = 3;
  while (digits[length - 1] == '0') {
    --length;
  }
  out.append(digits, length);
}

}  // namespace

void append_access_line(std::string& out, const sdk::Transaction& t) {
  char ts[rfc3339_ms_length];
  write_rfc3339_ms(ts, t.start_unix_ms());
  out += "{\"ts\":\"";
  out.append(ts, sizeof(ts));
  // event and decision are fixed words of ours: nothing to escape.
  out += "\",\"event\":\"";
  out += event_name(t);
  out += "\",\"conn_id\":";
  append_number(out, t.conn_id());
  out += ",\"client_ip\":";
  append_json_string(out, t.client_ip());
  out += ",\"client_port\":";
  append_number(out, t.client_port());
  out += ",\"method\":";
  append_text_or_null(out, t.method());
  out += ",\"host\":";
  append_text_or_null(out, t.host());
  out += ",\"port\":";
  append_number_or_null(out, t.port());
  out += ",\"target\":";
  append_text_or_null(out, t.target());
  out += ",\"status\":";
  append_number_or_null(out, static_cast<std::uint64_t>(t.status()));
  out += ",\"sni\":";
  append_text_or_null(out, t.sni());
  out += ",\"bytes_in\":";
  append_number(out, t.bytes_client_to_upstream());
  out += ",\"bytes_out\":";
  append_number(out, t.bytes_upstream_to_client());
  out += ",\"duration_ms\":";
  append_milliseconds(out, t.duration_us());
  out += ",\"decision\":\"";
  out += decision_name(t);
  out += "\",\"plugin\":";
  append_text_or_null(out, t.decided_by());
  out += ",\"reason\":";
  append_text_or_null(out, t.reason());
  // Who the client authenticated as (the user attribute), null when no plugin said.
  out += ",\"user\":";
  if (const auto user = t.user()) {
    append_json_string(out, *user);
  } else {
    out += "null";
  }
  // How the upstream was reached: "direct" or the parent proxy's name; null when no
  // upstream was tried.
  out += ",\"upstream\":";
  if (const auto upstream = t.upstream()) {
    append_json_string(out, *upstream);
  } else {
    out += "null";
  }
  // The load balancer the connection came through (PROXY protocol), null without one.
  out += ",\"peer_ip\":";
  append_text_or_null(out, t.peer_ip());
  out.push_back('}');
}

std::string format_access_line(const sdk::Transaction& transaction) {
  std::string line;
  append_access_line(line, transaction);
  return line;
}

}  // namespace proxy::plugins::json_log

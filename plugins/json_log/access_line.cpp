#include "access_line.hpp"

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "rfc3339.hpp"
#include "transaction_outcome.hpp"

namespace proxy::plugins::json_log {
namespace {

using Json = nlohmann::ordered_json;  // keeps the documented field order

Json text_or_null(std::string_view text) {
  return text.empty() ? Json(nullptr) : Json(std::string(text));
}

Json number_or_null(std::uint64_t number) {
  return number == 0 ? Json(nullptr) : Json(number);
}

// nlohmann escapes every control character but DEL; a raw DEL can only sit inside a
// string, where \u007f means the same.
void escape_delete(std::string& text) {
  for (std::size_t at = text.find('\x7f'); at != std::string::npos;
       at = text.find('\x7f', at + 6)) {
    text.replace(at, 1, "\\u007f");
  }
}

}  // namespace

std::string format_access_line(const sdk::Transaction& t) {
  Json line = Json::object();
  line["ts"] = format_rfc3339_ms(t.start_unix_ms());
  line["event"] = std::string(event_name(t));
  line["conn_id"] = t.conn_id();
  line["client_ip"] = std::string(t.client_ip());
  line["client_port"] = t.client_port();
  line["method"] = text_or_null(t.method());
  line["host"] = text_or_null(t.host());
  line["port"] = number_or_null(t.port());
  line["target"] = text_or_null(t.target());
  line["status"] = number_or_null(static_cast<std::uint64_t>(t.status()));
  line["sni"] = text_or_null(t.sni());
  line["bytes_in"] = t.bytes_client_to_upstream();
  line["bytes_out"] = t.bytes_upstream_to_client();
  line["duration_ms"] = static_cast<double>(t.duration_us()) / 1000.0;
  line["decision"] = std::string(decision_name(t));
  line["plugin"] = text_or_null(t.decided_by());
  line["reason"] = text_or_null(t.reason());
  // ensure_ascii: nothing but printable ASCII reaches the log; replace: invalid UTF-8
  // becomes U+FFFD instead of throwing.
  std::string text = line.dump(-1, ' ', true, Json::error_handler_t::replace);
  escape_delete(text);
  return text;
}

}  // namespace proxy::plugins::json_log

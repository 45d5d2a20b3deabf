#pragma once

#include <string>

#include "proxy/sdk/types.hpp"

namespace proxy::plugins::json_log {

// One access-log line for a transaction: a JSON object, without the newline, holding
// exactly these fields in this order:
//   ts, event, conn_id, client_ip, client_port, method, host, port, target, status, sni,
//   bytes_in, bytes_out, duration_ms, decision, plugin, reason, user, peer_ip
// A field that does not apply is null, never absent: an empty string (method, host,
// target, sni, plugin, reason, peer_ip), port 0 or status 0 (nothing sent), a user
// attribute no plugin set. ts is the start of
// the transaction; duration_ms has microsecond resolution.
//
// The line is printable ASCII: strings go through append_json_string (json_escape.hpp),
// so quotes, backslashes and control characters (DEL too) are escaped, anything beyond
// ASCII becomes \uXXXX, and bytes that are not valid UTF-8 become U+FFFD. No input can
// end the line early or forge a field.
//
// append_access_line writes the fields straight onto the end of `out`: no JSON object is
// built, and nothing is allocated when `out` has room.
void append_access_line(std::string& out, const sdk::Transaction& transaction);
std::string format_access_line(const sdk::Transaction& transaction);

}  // namespace proxy::plugins::json_log

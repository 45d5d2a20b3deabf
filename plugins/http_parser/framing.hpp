#pragma once

#include "proxy/sdk/http_parser.hpp"

namespace proxy::plugins::http_parser {

// Checks the fields that delimit a message (Content-Length, Transfer-Encoding, Host) and
// decides how its body is framed, per RFC 9112 §6.3. Sets head.body, head.content_length
// and adjusts head.keep_alive (a close-delimited body ends the connection).
//
// Stricter than the RFC wherever two recipients could disagree about where a message
// ends, because this proxy forwards bytes to a parser it does not know:
//  - Content-Length together with Transfer-Encoding is refused, not resolved.
//  - Content-Length must appear once, as plain digits; an identical duplicate or a list
//    ("5, 5") is refused too, though the RFC would allow collapsing it.
//  - Transfer-Encoding may only name known codings, each once at most for chunked; in a
//    request chunked must be last. A response whose last coding is not chunked is read
//    until close, as the RFC says.
//  - Transfer-Encoding in an HTTP/1.0 message is refused (RFC 9112 §6.1: faulty framing).
//  - More than one Host field in a request is refused (RFC 9112 §3.2).
//
// Returns false with `error` set when the message must be refused.
bool decide_framing(sdk::MessageKind kind, const sdk::ParseOptions& options, sdk::HttpHead& head,
                    sdk::ParseError& error);

}  // namespace proxy::plugins::http_parser

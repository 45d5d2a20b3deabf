#include "framing.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "char_classes.hpp"
#include "error_status.hpp"

namespace proxy::plugins::http_parser {
namespace {

// 1*DIGIT without sign, list or whitespace, and without overflowing.
std::optional<std::uint64_t> parse_content_length(std::string_view value) {
  if (value.empty()) {
    return std::nullopt;
  }
  std::uint64_t result = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (result > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      return std::nullopt;
    }
    result = result * 10 + digit;
  }
  return result;
}

// Codings a recipient is expected to understand (the IANA registry's HTTP/1.1 entries).
// Anything else, e.g. "xchunked", is refused: a downstream parser might read it as chunked.
bool is_known_coding(std::string_view coding) {
  return iequals(coding, "chunked") || iequals(coding, "gzip") || iequals(coding, "x-gzip") ||
         iequals(coding, "deflate") || iequals(coding, "compress") || iequals(coding, "x-compress");
}

struct TransferCodings {
  bool present = false;
  bool chunked_last = false;
  unsigned chunked_count = 0;
  const char* problem = nullptr;  // why the list is refused, when it is
};

// Folds one Transfer-Encoding field value into `codings`; several fields form one list in
// the order received.
void add_codings(std::string_view value, TransferCodings& codings) {
  codings.present = true;
  std::size_t start = 0;
  while (codings.problem == nullptr) {
    const std::size_t comma = value.find(',', start);
    const std::string_view element =
        trim_ows(value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
    if (element.empty()) {
      // The RFC lets recipients skip empty list elements, but ", chunked" is a classic way
      // to make two parsers disagree.
      codings.problem = "empty element in Transfer-Encoding";
      return;
    }
    if (!is_known_coding(element)) {
      codings.problem = "unsupported transfer coding";
      return;
    }
    const bool chunked = iequals(element, "chunked");
    if (chunked && ++codings.chunked_count > 1) {
      codings.problem = "chunked applied more than once";
      return;
    }
    codings.chunked_last = chunked;
    if (comma == std::string_view::npos) {
      return;
    }
    start = comma + 1;
  }
}

bool no_body_by_status(const sdk::ParseOptions& options, int status) {
  if (options.response_to_head) {
    return true;
  }
  // 1xx (101 included: after it the connection speaks another protocol), 204 and 304 never
  // have a body, whatever their fields say (RFC 9112 §6.3 rule 1).
  if (status / 100 == 1 || status == 204 || status == 304) {
    return true;
  }
  // A 2xx to CONNECT turns the connection into a tunnel right after the head (rule 2).
  return options.response_to_connect && status / 100 == 2;
}

}  // namespace

bool decide_framing(sdk::MessageKind kind, const sdk::ParseOptions& options, sdk::HttpHead& head,
                    sdk::ParseError& error) {
  const bool request = kind == sdk::MessageKind::request;
  unsigned content_length_fields = 0;
  std::optional<std::uint64_t> content_length;
  unsigned host_fields = 0;
  TransferCodings codings;

  for (const auto& [name, value] : head.headers) {
    if (iequals(name, "content-length")) {
      ++content_length_fields;
      content_length = parse_content_length(value);
    } else if (iequals(name, "transfer-encoding")) {
      add_codings(value, codings);
    } else if (iequals(name, "host")) {
      ++host_fields;
    }
  }

  if (request && host_fields > 1) {
    error = malformed(kind, "more than one Host field");
    return false;
  }
  if (content_length_fields > 1) {
    // Beast accepts identical duplicates; refusing them too is safest, since a recipient
    // that picks "the other one" is exactly how differing ones smuggle a request.
    error = malformed(kind, "more than one Content-Length field");
    return false;
  }
  if (content_length_fields == 1 && !content_length) {
    error = malformed(kind, "invalid Content-Length");
    return false;
  }
  if (codings.present) {
    if (content_length_fields != 0) {
      error = malformed(kind, "Content-Length with Transfer-Encoding");
      return false;
    }
    if (head.version < 11) {
      error = malformed(kind, "Transfer-Encoding in an HTTP/1.0 message");
      return false;
    }
    if (codings.problem != nullptr) {
      error = malformed(kind, codings.problem);
      return false;
    }
    if (request && !codings.chunked_last) {
      // Without chunked last a request has no way to mark its end (RFC 9112 §6.3 rule 4).
      error = malformed(kind, "Transfer-Encoding does not end with chunked");
      return false;
    }
  }

  head.content_length = 0;
  if (!request && no_body_by_status(options, head.status)) {
    head.body = sdk::BodyKind::none;
  } else if (codings.present) {
    head.body = codings.chunked_last ? sdk::BodyKind::chunked : sdk::BodyKind::until_close;
  } else if (content_length) {
    head.content_length = *content_length;
    head.body = *content_length == 0 ? sdk::BodyKind::none : sdk::BodyKind::content_length;
  } else {
    head.body = request ? sdk::BodyKind::none : sdk::BodyKind::until_close;
  }
  if (head.body == sdk::BodyKind::until_close) {
    head.keep_alive = false;
  }
  return true;
}

}  // namespace proxy::plugins::http_parser

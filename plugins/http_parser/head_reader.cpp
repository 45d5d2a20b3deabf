#include "head_reader.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "error_status.hpp"

namespace proxy::plugins::http_parser {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;

// A basic_parser that copies what it reads straight into an HttpHead: the field names as
// sent (a beast::http::fields container would also work, but it allocates a second copy
// and a lookup index the proxy never uses).
template <bool for_request>
class HeadCollector final : public http::basic_parser<for_request> {
 public:
  explicit HeadCollector(sdk::HttpHead& head) : head_(head) {}

 private:
  void on_request_impl(http::verb /*method*/, beast::string_view method_string,
                       beast::string_view target, int version, beast::error_code& /*ec*/) override {
    head_.method.assign(method_string.data(), method_string.size());
    head_.target.assign(target.data(), target.size());
    head_.version = version;
  }

  void on_response_impl(int status, beast::string_view reason, int version,
                        beast::error_code& ec) override {
    // Beast takes any three digits; RFC 9110 §15 makes codes outside 100..599 invalid, and
    // "099" or "600" would otherwise fall through to close-delimited framing.
    if (status < 100 || status > 599) {
      ec = http::error::bad_status;
      return;
    }
    head_.status = status;
    head_.reason.assign(reason.data(), reason.size());
    head_.version = version;
  }

  void on_field_impl(http::field /*name*/, beast::string_view name_string, beast::string_view value,
                     beast::error_code& /*ec*/) override {
    head_.headers.emplace_back(std::string(name_string.data(), name_string.size()),
                               std::string(value.data(), value.size()));
  }

  void on_header_impl(beast::error_code& /*ec*/) override {}

  // Only the head is ever handed to this parser; the body callbacks exist because the
  // base class requires them.
  void on_body_init_impl(const boost::optional<std::uint64_t>& /*content_length*/,
                         beast::error_code& /*ec*/) override {}
  std::size_t on_body_impl(beast::string_view body, beast::error_code& /*ec*/) override {
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t /*size*/, beast::string_view /*extensions*/,
                            beast::error_code& /*ec*/) override {}
  std::size_t on_chunk_body_impl(std::uint64_t /*remain*/, beast::string_view body,
                                 beast::error_code& /*ec*/) override {
    return body.size();
  }
  void on_finish_impl(beast::error_code& /*ec*/) override {}

  sdk::HttpHead& head_;
};

template <bool for_request>
bool collect(sdk::MessageKind kind, std::string_view bytes, const sdk::ParseOptions& options,
             sdk::HttpHead& head, sdk::ParseError& error) {
  HeadCollector<for_request> parser(head);
  // Stop at the end of the head: body framing is ours, not Beast's.
  parser.eager(false);
  parser.header_limit(options.max_header_bytes > std::numeric_limits<std::uint32_t>::max()
                          ? std::numeric_limits<std::uint32_t>::max()
                          : static_cast<std::uint32_t>(options.max_header_bytes));
  // Not boost::none: Beast 1.74 compares the Content-Length against an empty optional in
  // finish_header() and reports body_limit for every request with a body.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (!for_request && options.response_to_head) {
    parser.skip(true);
  }

  beast::error_code ec;
  const std::size_t used = parser.put(boost::asio::const_buffer(bytes.data(), bytes.size()), ec);
  if (ec == http::error::header_limit) {
    error = head_too_large(kind, "header section too large");
    return false;
  }
  const char* what = for_request ? "malformed request head: " : "malformed response head: ";
  if (ec) {
    // Beast's messages are fixed text ("bad field", "bad version"), never client bytes.
    error = malformed(kind, what + ec.message());
    return false;
  }
  if (!parser.is_header_done() || used != bytes.size()) {
    // The scanner found the end of the head where Beast did not: refuse rather than guess
    // which of the two is right.
    error = malformed(kind, std::string(what) + "inconsistent end of header section");
    return false;
  }
  head.keep_alive = parser.keep_alive();
  return true;
}

}  // namespace

bool read_head(sdk::MessageKind kind, std::string_view bytes, const sdk::ParseOptions& options,
               sdk::HttpHead& head, sdk::ParseError& error) {
  head = sdk::HttpHead{};
  if (kind == sdk::MessageKind::request) {
    return collect<true>(kind, bytes, options, head, error);
  }
  return collect<false>(kind, bytes, options, head, error);
}

}  // namespace proxy::plugins::http_parser

// The session's plain-HTTP half: upstream connections, request and response heads,
// and bodies streamed both ways.
#include <algorithm>

#include "connection/head_writer.hpp"
#include "connection/session.hpp"
#include "connection/session_support.hpp"
#include "connection/upstream_connector.hpp"

namespace proxy::core {
namespace {

using session_support::parse_options;
using session_support::to_pairs;

// True when a `name` field's value contains `token` (lowercase), case-insensitively.
bool has_token(const HeaderPairs& headers, std::string_view name, std::string_view token) {
  for (const auto& [field, value] : headers) {
    if (!host::header_name_equals(field, name) || value.size() < token.size()) {
      continue;
    }
    for (std::size_t at = 0; at + token.size() <= value.size(); ++at) {
      if (host::header_name_equals(std::string_view(value).substr(at, token.size()), token)) {
        return true;
      }
    }
  }
  return false;
}

// A kept-alive upstream connection is reusable only while it is quiet: readable means
// the origin closed it (or sent something unasked), either way it is done.
bool idle_and_open(tcp::socket& socket) {
  boost::system::error_code ec;  // non-blocking since it was opened
  char byte = 0;
  socket.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
  return ec == asio::error::would_block;
}

}  // namespace

asio::awaitable<bool> Session::ensure_upstream(const std::string& host, std::uint16_t port) {
  const std::string key = authority(host, port, 0);
  if (upstream_ && upstream_key_ == key && idle_and_open(*upstream_)) {
    co_return true;
  }
  close_upstream();
  auto connection = co_await connect_upstream(host, port, context_.config.timeouts.connect,
                                              context_.destinations, client_address_);
  if (!connection.socket) {
    transaction_->decided_by = "core";
    // A denied address (403) or a loop (508) is the core's own policy refusal; an
    // unreachable or slow upstream (502/504) is a failure of an allowed request.
    if (connection.status == 403 || connection.status == 508) {
      transaction_->verdict = PROXY_VERDICT_REJECT;
    }
    co_await reply_error(connection.status, connection.reason, true);
    co_return false;
  }
  upstream_.emplace(std::move(*connection.socket));
  upstream_key_ = key;
  co_return true;
}

asio::awaitable<Session::RelayResult> Session::relay_body(tcp::socket& from, std::string& buffered,
                                                          tcp::socket& to,
                                                          HttpMessageParser& parser,
                                                          proxy_direction direction,
                                                          BodyShape shape) {
  const bool until_close = shape.kind == PROXY_BODY_UNTIL_CLOSE;
  const bool spliceable = (shape.kind == PROXY_BODY_CONTENT_LENGTH || until_close) &&
                          context_.registry.with_hook(host::HookPoint::bytes).empty();
  std::uint64_t parsed = 0;  // body bytes the parser has taken
  for (;;) {
    if (!buffered.empty()) {
      std::size_t consumed = 0;
      const ParseResult result = parser.parse_body(buffered, consumed);
      if (result == ParseResult::error) {
        co_return RelayResult::source_failed;
      }
      parsed += consumed;
      if (consumed > 0) {
        const std::string_view chunk(buffered.data(), consumed);
        count_bytes(direction, chunk);
        arm(context_.config.timeouts.idle);
        const bool written = co_await write_all(to, chunk);
        disarm();
        if (!written) {
          co_return RelayResult::sink_failed;
        }
        buffered.erase(0, consumed);
      }
      if (result == ParseResult::done) {
        co_return RelayResult::done;
      }
    } else {
      std::size_t consumed = 0;
      if (parser.parse_body({}, consumed) == ParseResult::done) {
        co_return RelayResult::done;
      }
    }
    if (spliceable && buffered.empty()) {
      // Nothing left in user space: the rest moves inside the kernel, bounded by the
      // declared length so a pipelined next message stays in the socket. The parser
      // never sees these bytes, and the message ends here.
      const std::uint64_t left = until_close ? unlimited_bytes : shape.content_length - parsed;
      const SpliceEnd end = co_await splice_bytes(from, to, direction, left);
      disarm();
      switch (end) {
        case SpliceEnd::limit_reached:
          co_return RelayResult::done;
        case SpliceEnd::source_ended:
          co_return until_close && !timed_out_ ? RelayResult::done : RelayResult::source_failed;
        case SpliceEnd::source_failed:
          co_return RelayResult::source_failed;
        case SpliceEnd::sink_failed:
          co_return RelayResult::sink_failed;
        case SpliceEnd::no_pipe:
          break;  // out of descriptors: copy through user space below
      }
    }
    arm(context_.config.timeouts.idle);
    // A body is data on the move: read straight into a full-size chunk.
    const bool got = co_await read_more(from, buffered, ReadMode::direct);
    disarm();
    if (!got) {
      // End of stream: the end of a close-delimited body, an error for any other.
      const bool clean_end = until_close && !timed_out_ && parser.finish() == ParseResult::done;
      co_return clean_end ? RelayResult::done : RelayResult::source_failed;
    }
  }
}

asio::awaitable<bool> Session::forward(HttpMessageParser& request_parser, const ParsedHead& head,
                                       host::RequestData& request) {
  if (!co_await ensure_upstream(request.host, request.port)) {
    co_return false;
  }
  const bool expects_continue = has_token(head.headers, "expect", "100-continue");
  if (expects_continue) {
    request.headers.remove("Expect");  // answered here: the client need not wait for the origin
  }
  const std::string upstream_head = upstream_request_head(
      request.method, request.path, to_pairs(request.headers),
      ReceivedHead{head.headers, head.body, head.content_length, head.version},
      authority(request.host, request.port, 80));
  count_bytes(PROXY_DIRECTION_CLIENT_TO_UPSTREAM, upstream_head);
  arm(context_.config.timeouts.idle);
  const bool head_written = co_await write_all(*upstream_, upstream_head);
  disarm();
  if (!head_written) {
    // A reused upstream connection may have been closed by the origin meanwhile.
    close_upstream();
    co_await reply_error(502, "upstream closed the connection", true);
    co_return false;
  }
  if (expects_continue && !co_await write_client("HTTP/1.1 100 Continue\r\n\r\n")) {
    close_upstream();
    co_return false;
  }
  // An origin may answer (413, 401 ...) and close before taking the whole body: then the
  // upload fails but its answer is still passed on, and the client connection ends.
  bool request_complete = true;
  if (head.body != PROXY_BODY_NONE) {
    const RelayResult relayed = co_await relay_body(
        client_, client_buffer_, *upstream_, request_parser, PROXY_DIRECTION_CLIENT_TO_UPSTREAM,
        BodyShape{head.body, head.content_length});
    if (relayed == RelayResult::source_failed) {
      close_upstream();
      if (!timed_out_ && !request_parser.failure().reason.empty() && client_.is_open()) {
        co_await reply_error(request_parser.failure().status, request_parser.failure().reason,
                             true);
      }
      co_return false;
    }
    request_complete = relayed == RelayResult::done;
  }

  // The response: interim 1xx heads are passed on until the final one arrives.
  proxy_parse_options options = parse_options(context_.config);
  options.response_to_head = head.method == "HEAD" ? 1 : 0;
  for (;;) {
    HttpMessageParser response_parser(context_.parser, PROXY_HTTP_RESPONSE, options);
    ParsedHead response;
    HeadResult result = HeadResult::failed;
    {
      const ClientWatch watch(*this, true, [this] {
        boost::system::error_code ignored;
        upstream_->cancel(ignored);
      });
      result = co_await read_head(*upstream_, upstream_buffer_, response_parser, response,
                                  context_.config.timeouts.idle, false, ReadMode::wait_first);
    }
    if (client_gone_) {
      close_upstream();  // nobody is left to answer: free the origin's connection now
      co_return false;
    }
    if (result != HeadResult::ok) {
      close_upstream();
      if (result == HeadResult::timed_out) {
        co_await reply_error(504, "upstream did not answer in time", true);
      } else if (result == HeadResult::failed) {
        co_await reply_error(502, response_parser.failure().reason, true);
      } else {
        co_await reply_error(502, "upstream closed the connection", true);
      }
      co_return false;
    }
    if (response.status == 101) {
      close_upstream();
      co_await reply_error(502, "protocol upgrades are not supported", true);
      co_return false;
    }
    host::ResponseData response_data;
    response_data.status = response.status;
    response_data.reason = response.reason;
    response_data.version = response.version;
    for (auto& [name, value] : response.headers) {
      response_data.headers.add(name, value);
    }
    const bool interim = response.status >= 100 && response.status < 200;
    if (!interim && !context_.registry.with_hook(host::HookPoint::response).empty()) {
      host::RequestView request_view(request, false);
      host::ResponseView response_view(response_data, true);
      host::run_on_response(context_.registry, conn_info_, request_view, response_view);
    }
    const bool until_close = response.body == PROXY_BODY_UNTIL_CLOSE;
    const bool client_keep_alive = head.keep_alive && request_complete && !until_close &&
                                   !context_.stopping.load(std::memory_order_relaxed);
    const std::string client_head = client_response_head(
        response.status, response.reason, to_pairs(response_data.headers),
        ReceivedHead{response.headers, response.body, response.content_length, response.version},
        ResponseHeadOptions{head.method == "HEAD", !interim && !client_keep_alive});
    // Body bytes that came with the head are checked before the head goes out, so a
    // response whose framing breaks at once is a 502, not a 200 with a torn body; then
    // head and those bytes leave in one write.
    std::size_t first_body = 0;
    ParseResult first = ParseResult::need_more;
    if (!interim && !upstream_buffer_.empty()) {
      first = response_parser.parse_body(upstream_buffer_, first_body);
      if (first == ParseResult::error) {
        close_upstream();
        co_await reply_error(502, response_parser.failure().reason, true);
        co_return false;
      }
    }
    const std::string_view first_bytes(upstream_buffer_.data(), first_body);
    count_bytes(PROXY_DIRECTION_UPSTREAM_TO_CLIENT, client_head);
    if (first_body > 0) {
      count_bytes(PROXY_DIRECTION_UPSTREAM_TO_CLIENT, first_bytes);
    }
    if (!co_await write_client(client_head, first_bytes)) {
      close_upstream();
      co_return false;
    }
    upstream_buffer_.erase(0, first_body);
    if (interim) {
      continue;
    }
    transaction_->status = response.status;
    if (first != ParseResult::done &&
        co_await relay_body(*upstream_, upstream_buffer_, client_, response_parser,
                            PROXY_DIRECTION_UPSTREAM_TO_CLIENT,
                            BodyShape{response.body, response.content_length - first_body}) !=
            RelayResult::done) {
      close_upstream();
      co_return false;
    }
    if (!request_complete || until_close || !response.keep_alive || !upstream_buffer_.empty()) {
      close_upstream();  // bytes past the response mean the origin cannot be trusted
    }
    co_return client_keep_alive;
  }
}

}  // namespace proxy::core

// Session::relay_body: one message body from one peer to the other, through the parser
// where it must look (chunked framing, on_bytes plugins) and the kernel where it need not.
#include "connection/session.hpp"

namespace proxy::core {

asio::awaitable<Session::RelayResult> Session::relay_body(TimedSocket& from, std::string& buffered,
                                                          TimedSocket& to,
                                                          HttpMessageParser& parser,
                                                          proxy_direction direction,
                                                          BodyShape shape, Deadline& activity) {
  const auto idle = context_.config.timeouts.idle;
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
        if (co_await to.write(chunk, activity) != IoStatus::ok) {
          co_return RelayResult::sink_failed;
        }
        activity.extend(idle);
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
      switch (co_await splice_bytes(from, to, direction, left, activity)) {
        case SpliceEnd::limit_reached:
          co_return RelayResult::done;
        case SpliceEnd::source_ended:
          co_return until_close ? RelayResult::done : RelayResult::source_failed;
        case SpliceEnd::source_failed:
          co_return RelayResult::source_failed;
        case SpliceEnd::sink_failed:
          co_return RelayResult::sink_failed;
        case SpliceEnd::no_pipe:
          break;  // out of descriptors: copy through user space below
      }
    }
    const IoStatus read =
        co_await from.read_some(buffered, context_.config.limits.buffer_bytes, activity);
    if (read == IoStatus::closed) {
      // End of stream: the end of a close-delimited body, an error for any other.
      const bool clean_end = until_close && parser.finish() == ParseResult::done;
      co_return clean_end ? RelayResult::done : RelayResult::source_failed;
    }
    if (read != IoStatus::ok) {
      co_return RelayResult::source_failed;
    }
    activity.extend(idle);
  }
}

}  // namespace proxy::core

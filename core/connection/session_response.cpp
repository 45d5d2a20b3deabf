// Session::relay_response: the origin's answer, from its head to the last body byte.
#include "connection/head_writer.hpp"
#include "connection/session.hpp"
#include "connection/session_support.hpp"
#include "connection/upgrade_offer.hpp"

namespace proxy::core {

using session_support::parse_options;

asio::awaitable<Session::ResponseOutcome> Session::relay_response(
    HttpMessageParser& request_parser, const ParsedHead& head, host::RequestData& request,
    Deadline& exchange, const Upload& upload, ResponseTerms terms) {
  ResponseOutcome outcome;
  proxy_parse_options options = parse_options(context_.config);
  options.response_to_head = head.method == "HEAD" ? 1 : 0;
  for (bool first_head = true;; first_head = false) {
    HttpMessageParser response_parser(context_.parser, PROXY_HTTP_RESPONSE, options);
    ParsedHead response;
    HeadResult result = HeadResult::failed;
    {
      // While no upload reads the client, watch it: one that leaves frees the origin.
      std::optional<ClientWatch> watch;
      if (!upload.running()) {
        watch.emplace(*this, true, [this] { upstream_->cancel(); });
      }
      result = co_await read_head(*upstream_, upstream_buffer_, response_parser, response, exchange,
                                  std::nullopt);
    }
    if (client_gone_) {
      co_return outcome;  // nobody is left to answer
    }
    if (upload.result == RelayResult::source_failed) {
      // The request body broke (bad framing, or the client left or went quiet): say so
      // when it was the framing, and pass no answer to a broken request on.
      const ParseFailure& failure = request_parser.failure();
      if (!failure.reason.empty() && client_.is_open()) {
        co_await reply_error(failure.status, failure.reason, true);
        outcome.answered = true;
      }
      co_return outcome;
    }
    if (result == HeadResult::closed && terms.may_retry && first_head && upstream_buffer_.empty()) {
      outcome.stale_upstream = true;  // not a byte came: the request may go again
      co_return outcome;
    }
    if (result != HeadResult::ok) {
      if (result == HeadResult::timed_out) {
        co_await reply_error(504, "upstream did not answer in time", true);
      } else if (result == HeadResult::failed) {
        co_await reply_error(502, response_parser.failure().reason, true);
      } else {
        co_await reply_error(502, "upstream closed the connection", true);
      }
      outcome.answered = true;
      co_return outcome;
    }
    // A parent asking for credentials refuses this proxy, not the client (whose own
    // Proxy-Authorization never goes on): that is the parent's refusal, our 502.
    if (upstream_parent_ && response.status == 407) {
      std::string reason = "parent " + upstream_parent_->name + " refused the request: 407";
      if (!response.reason.empty()) {
        reason.append(" ").append(response.reason);
      }
      co_await reply_error(502, reason, true);
      outcome.answered = true;
      co_return outcome;
    }
    // A switch only to a protocol the request offered, as the origin names it.
    const bool switching = response.status == 101;
    const std::optional<std::string_view> chosen = response.headers.get("upgrade");
    if (switching && !accepts_switch(chosen.value_or(""), terms.offered_upgrade)) {
      co_await reply_error(502,
                           terms.offered_upgrade.empty()
                               ? "protocol switch the request did not ask for"
                               : "protocol switch to a protocol the request did not offer",
                           true);
      outcome.answered = true;
      co_return outcome;
    }
    const std::string switched_to(switching ? *chosen : std::string_view());
    host::ResponseData response_data;
    response_data.status = response.status;
    response_data.reason = response.reason;
    response_data.version = response.version;
    const ReceivedHead received =
        received_head(response.headers, response.body, response.content_length, response.version);
    response_data.headers = std::move(response.headers);
    const bool interim = !switching && response.status >= 100 && response.status < 200;
    if (!interim && !context_.registry.with_hook(host::HookPoint::response).empty()) {
      host::RequestView request_view(request, false, &transaction_->attributes);
      host::ResponseView response_view(response_data, true);
      host::run_on_response(context_.registry, conn_info_, request_view, response_view);
    }
    // An answer that comes while the body is still going up is an early one: the client
    // connection closes after it.
    const bool request_complete = upload.task == nullptr || upload.result == RelayResult::done;
    const bool until_close = response.body == PROXY_BODY_UNTIL_CLOSE;
    const bool client_keep_alive = head.keep_alive && request_complete && !until_close &&
                                   !context_.stopping.load(std::memory_order_relaxed);
    const std::string client_head = client_response_head(
        response.status, response.reason, response_data.headers, received,
        ResponseHeadOptions{head.method == "HEAD", !interim && !switching && !client_keep_alive,
                            switched_to});
    // Body bytes that came with the head are checked before the head goes out, so a
    // response whose framing breaks at once is a 502, not a 200 with a torn body; then
    // head and those bytes leave in one write.
    std::size_t first_body = 0;
    ParseResult first = ParseResult::need_more;
    if (!interim && !switching && !upstream_buffer_.empty()) {
      first = response_parser.parse_body(upstream_buffer_, first_body);
      if (first == ParseResult::error) {
        co_await reply_error(502, response_parser.failure().reason, true);
        outcome.answered = true;
        co_return outcome;
      }
    }
    const std::string_view first_bytes(upstream_buffer_.data(), first_body);
    count_bytes(PROXY_DIRECTION_UPSTREAM_TO_CLIENT, client_head);
    if (first_body > 0) {
      count_bytes(PROXY_DIRECTION_UPSTREAM_TO_CLIENT, first_bytes);
    }
    if (!co_await write_client(client_head, first_bytes)) {
      co_return outcome;
    }
    upstream_buffer_.erase(0, first_body);
    if (interim) {
      exchange.extend(context_.config.timeouts.idle);
      continue;
    }
    outcome.answered = true;
    transaction_->status = response.status;
    if (switching) {
      outcome.switched = true;  // what came behind the 101 is the new protocol's
      co_return outcome;
    }
    if (first != ParseResult::done) {
      Deadline activity = Deadline::after(context_.config.timeouts.idle);
      if (co_await relay_body(*upstream_, upstream_buffer_, client_, response_parser,
                              PROXY_DIRECTION_UPSTREAM_TO_CLIENT,
                              BodyShape{response.body, response.content_length - first_body},
                              activity) != RelayResult::done) {
        co_return outcome;
      }
    }
    // Bytes past the response mean the origin cannot be trusted with another request.
    outcome.upstream_reusable = response.keep_alive && !until_close && upstream_buffer_.empty();
    outcome.client_keep_alive = client_keep_alive;
    co_return outcome;
  }
}

}  // namespace proxy::core

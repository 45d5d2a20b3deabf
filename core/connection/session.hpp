#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asio.hpp"
#include "connection/http_message_parser.hpp"
#include "connection/proxy_context.hpp"
#include "connection/request_target.hpp"
#include "plugin_host/abi_views.hpp"
#include "plugin_host/hook_chain.hpp"

namespace proxy::core {

class SessionTracker;

// One client connection, from accept to close: reads request heads, runs the hooks,
// and forwards plain HTTP, serves admin endpoints or opens a CONNECT tunnel.
//
// Lives on one io thread (its socket's executor) for life; everything here runs there.
// Idle, it holds no buffer: it waits for readability before allocating anything.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ProxyContext& context, SessionTracker& tracker, tcp::socket client, std::uint32_t worker);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  void start();
  // Shutdown began: a connection waiting for its next request closes now; one in
  // the middle of a transaction finishes it first.
  void on_stop();
  // Called by the tracker every tick: past the armed deadline, both sockets are
  // cancelled and the operation in progress ends as timed out.
  void check_deadline(std::chrono::steady_clock::time_point now);

 private:
  enum class HeadResult { ok, closed, timed_out, failed };
  enum class ReadMode { wait_first, direct };

  asio::awaitable<void> run();

  // Deadlines: the tracker's tick cancels both sockets when the armed time passes.
  void arm(std::chrono::milliseconds timeout);
  void disarm();

  // Heads are read with ReadMode::wait_first: the buffer grows only by what is there,
  // where a direct read would allocate and clear a whole buffer_bytes chunk per message.
  asio::awaitable<HeadResult> read_head(tcp::socket& socket, std::string& buffer,
                                        HttpMessageParser& parser, ParsedHead& head,
                                        std::chrono::milliseconds timeout, bool first_byte_counts,
                                        ReadMode mode);
  // Appends what one read brings to `buffer`; false at end of stream, error or timeout.
  asio::awaitable<bool> read_more(tcp::socket& socket, std::string& buffer, ReadMode mode);
  static std::vector<char>& read_scratch(std::size_t size);
  asio::awaitable<bool> write_all(tcp::socket& socket, std::string_view bytes);
  asio::awaitable<host::HookDecision> decide(host::DecidingHook hook, host::DecidingHookArgs args);

  // While the session waits on something other than the client (a deferred hook, the
  // origin's response head), a client that goes away ends the wait at once instead of
  // when its timeout passes, and frees the upstream connection and the per-IP slot.
  // Bytes the client sends meanwhile (a pipelined request, a tunnel's first bytes) are
  // kept in client_buffer_, up to limits.buffer_bytes; past that only the wait's own
  // deadline ends it. An error always means gone; end of stream only when
  // `eof_is_gone`: a tunnel's client may half-close and still read the answer, while a
  // plain HTTP client that closes has given up (as Squid's default half_closed_clients).
  class ClientWatch {
   public:
    ClientWatch(Session& session, bool eof_is_gone, std::function<void()> on_gone);
    ClientWatch(const ClientWatch&) = delete;
    ClientWatch& operator=(const ClientWatch&) = delete;
    ~ClientWatch();

   private:
    struct State {
      bool stopped = false;
      bool eof_is_gone = false;
      std::function<void()> on_gone;
    };
    Session& session_;
    std::shared_ptr<State> state_;
    friend class Session;
  };
  asio::awaitable<void> watch_client(std::shared_ptr<ClientWatch::State> state);
  // A write to the client under the idle deadline, `more` gathered behind `bytes` in
  // the same write; false when it failed or timed out.
  asio::awaitable<bool> write_client(std::string_view bytes, std::string_view more = {});

  // Each returns whether the client connection may carry another request.
  asio::awaitable<bool> handle_request(HttpMessageParser& parser, ParsedHead& head);
  asio::awaitable<bool> serve_admin(const RequestTarget& target, const ParsedHead& head);
  asio::awaitable<bool> forward(HttpMessageParser& request_parser, const ParsedHead& head,
                                host::RequestData& request);
  asio::awaitable<void> tunnel(host::RequestData& request);

  asio::awaitable<bool> ensure_upstream(const std::string& host, std::uint16_t port);
  enum class RelayResult { done, source_failed, sink_failed };
  // What a body's framing lets the relay do without the parser: the rest of a
  // Content-Length body, or a close-delimited one, is spliced when no on_bytes plugin
  // watches; chunked bodies always go through the parser.
  struct BodyShape {
    proxy_body_kind kind = PROXY_BODY_NONE;
    std::uint64_t content_length = 0;
  };
  asio::awaitable<RelayResult> relay_body(tcp::socket& from, std::string& buffered, tcp::socket& to,
                                          HttpMessageParser& parser, proxy_direction direction,
                                          BodyShape shape);
  asio::awaitable<bool> pump(tcp::socket& from, tcp::socket& to, proxy_direction direction);
  // The same inside the kernel, with splice(2) through a pooled pipe; for when no
  // on_bytes plugin has to see the bytes. Copies (pump) when no pipe can be made.
  asio::awaitable<bool> splice_pump(tcp::socket& from, tcp::socket& to, proxy_direction direction);
  // Moves up to `limit` bytes from `from` to `to` with splice(2), counting them into
  // the transaction, under the idle deadline. Holds a pipe only while bytes are in it.
  enum class SpliceEnd { limit_reached, source_ended, source_failed, sink_failed, no_pipe };
  static constexpr std::uint64_t unlimited_bytes = ~std::uint64_t{0};
  asio::awaitable<SpliceEnd> splice_bytes(tcp::socket& from, tcp::socket& to,
                                          proxy_direction direction, std::uint64_t limit);
  // Reads client bytes into `peeked` until they hold a whole ClientHello, or show they
  // are not one, or the peek times out.
  asio::awaitable<void> peek_client_hello(std::string& peeked,
                                          std::optional<tls::ClientHelloInfo>& hello);

  // `retry_after_seconds` sets Retry-After on a 429 or 503 (a 429 always has one).
  // A summary for on_close when no request began: a connection closed at accept, or a
  // head refused with 400/408/431, so logs and metrics see those too.
  void begin_connection_summary(proxy_verdict verdict, std::string plugin, std::string reason);
  asio::awaitable<void> reply_error(int status, std::string_view reason, bool close,
                                    std::uint32_t retry_after_seconds = 0);
  void count_bytes(proxy_direction direction, std::string_view bytes);
  void log_escaped_exception(std::string_view where, const std::exception_ptr& error) const;
  void begin_transaction(const host::RequestData& request);
  void end_transaction();
  void close_upstream();
  void close_all();

  ProxyContext& context_;
  SessionTracker& tracker_;
  tcp::socket client_;
  std::optional<tcp::socket> upstream_;
  std::string upstream_key_;  // host:port the open upstream socket goes to

  asio::ip::address client_address_;
  host::ConnectionData conn_;
  proxy_conn_info conn_info_{};
  bool admitted_ = false;  // counted in the connection limits

  std::chrono::steady_clock::time_point deadline_at_ = std::chrono::steady_clock::time_point::max();
  bool timed_out_ = false;
  bool closed_ = false;
  bool client_gone_ = false;  // a ClientWatch saw the client leave
  bool waiting_for_request_ = false;

  std::string client_buffer_;    // client bytes read but not yet consumed
  std::string upstream_buffer_;  // upstream bytes read but not yet consumed

  std::optional<host::TransactionData> transaction_;
  std::chrono::steady_clock::time_point transaction_start_;
};

}  // namespace proxy::core

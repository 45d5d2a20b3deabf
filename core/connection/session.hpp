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
#include "connection/head_writer.hpp"
#include "connection/http_message_parser.hpp"
#include "connection/proxy_context.hpp"
#include "connection/request_target.hpp"
#include "connection/timed_socket.hpp"
#include "plugin_host/abi_views.hpp"
#include "plugin_host/hook_chain.hpp"

namespace proxy::core {

class SessionTracker;
class SideTask;

// One client connection, from accept to close: reads request heads, runs the hooks,
// and forwards plain HTTP, serves admin endpoints or opens a CONNECT tunnel.
//
// Lives on one io thread (its socket's executor) for life; everything here runs there.
// Idle, it holds no buffer: it waits for readability before allocating anything.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // The session keeps `generation` (the current one when it was accepted) for life.
  Session(ProxyContext& context, std::shared_ptr<const Generation> generation,
          SessionTracker& tracker, tcp::socket client, std::uint32_t worker);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  void start();
  // Shutdown began: a connection waiting for its next request closes now; one in
  // the middle of a transaction finishes it first.
  void on_stop();
  // Called by the tracker every tick: an operation past its deadline ends as timed out.
  void check_deadline(std::chrono::steady_clock::time_point now);

 private:
  enum class HeadResult { ok, closed, timed_out, failed };
  enum class RelayResult { done, source_failed, sink_failed };

  // The connection's coroutines: run() accepts, serve() handles requests while bytes
  // keep coming; each ends by parking the session or closing it.
  asio::awaitable<void> run();
  asio::awaitable<void> serve();
  void spawn(asio::awaitable<void> (Session::*body)());
  // Waits for the client's next request without a coroutine, until timeouts.idle.
  void park();
  // With server.proxy_protocol required: reads the PROXY header before anything else and
  // makes the client it reports this connection's client (session_proxy_header.cpp);
  // false when the connection was closed instead.
  asio::awaitable<bool> receive_proxy_header();
  void refuse_proxy_protocol(std::string_view why);
  // Counts the client against max_connections_per_ip, once it is known; false when it
  // was over its share and the connection was closed.
  bool admit_client();
  // on_accept; false when a plugin closed the connection.
  asio::awaitable<bool> accept_connection();
  // Reads one request head (its first bytes are buffered) and handles it; returns
  // whether the connection may carry another.
  asio::awaitable<bool> serve_request(Deadline& deadline);

  // Reads one head into `head`. Until its first byte, reads wait under `deadline`; with
  // `from_first_byte`, the head must then be complete that long after its first byte
  // (the client's header_read), else `deadline` covers the whole head. The buffer grows
  // only by what came.
  asio::awaitable<HeadResult> read_head(TimedSocket& socket, std::string& buffer,
                                        HttpMessageParser& parser, ParsedHead& head,
                                        Deadline& deadline,
                                        std::optional<std::chrono::milliseconds> from_first_byte);
  // The rest of a hook chain after a plugin deferred (HookChain::run stopped there).
  asio::awaitable<host::HookDecision> wait_for_deferral(host::DecidingHook hook,
                                                        host::DecidingHookArgs args,
                                                        host::HookChain::Progress progress);

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
  // A write to the client under the idle timeout, `more` gathered behind `bytes` in the
  // same write; false when it failed or timed out.
  asio::awaitable<bool> write_client(std::string_view bytes, std::string_view more = {});

  // Each returns whether the client connection may carry another request.
  asio::awaitable<bool> handle_request(HttpMessageParser& parser, ParsedHead& head);
  asio::awaitable<bool> serve_admin(const RequestTarget& target, const ParsedHead& head);
  // `route`: what on_request chose (direct unless a plugin routed through parents).
  asio::awaitable<bool> forward(HttpMessageParser& request_parser, const ParsedHead& head,
                                const ReceivedHead& received, host::RequestData& request,
                                const host::RouteChoice& route);
  asio::awaitable<void> tunnel(host::RequestData& request, const host::RouteChoice& route);

  // The request body's upload, running beside the response (full duplex).
  struct Upload {
    const SideTask* task = nullptr;     // none: the request has no body
    std::optional<RelayResult> result;  // set when it ended
    bool running() const { return task != nullptr && !result; }
  };
  struct ResponseOutcome {
    bool answered = false;           // a final response (or an error) reached the client
    bool client_keep_alive = false;  // the client connection may carry another request
    bool upstream_reusable = false;  // the origin's connection may carry another one
    bool stale_upstream = false;     // closed with not a byte of answer; nothing was sent
    bool switched = false;           // a 101 went to the client: the bytes are a tunnel now
  };
  // What the request leaves the answer free to do.
  struct ResponseTerms {
    bool may_retry = false;            // a close before any byte is stale_upstream, not a 502
    std::string_view offered_upgrade;  // the protocols a 101 may switch to; empty: none
  };
  // Reads the origin's answer (interim 1xx heads passed on until the final one), runs
  // on_response, and relays it to the client.
  asio::awaitable<ResponseOutcome> relay_response(HttpMessageParser& request_parser,
                                                  const ParsedHead& head,
                                                  host::RequestData& request, Deadline& exchange,
                                                  const Upload& upload, ResponseTerms terms);
  // One try of forward(): the head up, the body beside, the answer back. nullopt: the
  // reused upstream turned out closed and, as `may_retry` allowed, nothing was answered.
  asio::awaitable<std::optional<bool>> send_and_relay(HttpMessageParser& request_parser,
                                                      const ParsedHead& head,
                                                      host::RequestData& request,
                                                      const std::string& upstream_head,
                                                      bool expects_continue, ResponseTerms terms);
  // After a 101: both directions relayed as in a CONNECT tunnel, starting with what each
  // side sent behind its head.
  asio::awaitable<void> relay_switched();
  // The two-way relay of a tunnel, after `to_upstream` went up.
  asio::awaitable<void> relay_both_ways(std::string to_upstream);
  // Reads and drops what the client still sends, for at most `limit`, after shutting
  // down the sending side: then closing does not reset an answer the client has not read.
  asio::awaitable<void> drain_client(std::chrono::milliseconds limit);

  enum class UpstreamReady { failed, reused, fresh };
  // The upstream connection for `request` as `route` reaches it: the kept-alive one when
  // it goes the same way and is still quiet, else a new one; for a `tunnel` through a
  // parent, a new one the parent accepted the CONNECT on. `failed`: the client was
  // answered. Sets the transaction's `upstream`.
  asio::awaitable<UpstreamReady> ensure_upstream(const host::RequestData& request,
                                                 const host::RouteChoice& route, bool tunnel);
  // The same through the route's parents (session_parent.cpp): the first that can be
  // reached is used; one that answers and refuses is not passed over.
  asio::awaitable<UpstreamReady> ensure_parent(const host::RequestData& request,
                                               const host::RouteChoice& route, bool tunnel);
  // Asks the parent just connected for a tunnel to `target`; false when it refused or
  // failed (the client was answered with 502 or 504 naming it).
  asio::awaitable<bool> open_parent_tunnel(const std::string& target,
                                           const host::ParentProxy& parent);
  // What a body's framing lets the relay do without the parser: the rest of a
  // Content-Length body, or a close-delimited one, is spliced when no on_bytes plugin
  // watches; chunked bodies always go through the parser.
  struct BodyShape {
    proxy_body_kind kind = PROXY_BODY_NONE;
    std::uint64_t content_length = 0;
  };
  // Streams one body from `from` to `to`; `activity` bounds every wait and is moved on
  // whenever bytes move, so a body ends as failed once nothing moved for the idle time.
  asio::awaitable<RelayResult> relay_body(TimedSocket& from, std::string& buffered, TimedSocket& to,
                                          HttpMessageParser& parser, proxy_direction direction,
                                          BodyShape shape, Deadline& activity);
  // One tunnel direction until its sender finishes; then the half-close is passed on.
  // Through the kernel (splice) when nobody watches the bytes, else copied.
  asio::awaitable<bool> relay_stream(TimedSocket& from, TimedSocket& to, proxy_direction direction,
                                     Deadline& activity);
  asio::awaitable<bool> copy_stream(TimedSocket& from, TimedSocket& to, proxy_direction direction,
                                    Deadline& activity);
  // Moves up to `limit` bytes from `from` to `to` with splice(2) through a pooled pipe,
  // counting them into the transaction. Holds a pipe only while bytes are in it.
  enum class SpliceEnd { limit_reached, source_ended, source_failed, sink_failed, no_pipe };
  static constexpr std::uint64_t unlimited_bytes = ~std::uint64_t{0};
  asio::awaitable<SpliceEnd> splice_bytes(TimedSocket& from, TimedSocket& to,
                                          proxy_direction direction, std::uint64_t limit,
                                          Deadline& activity);
  // Reads client bytes into `peeked` until they hold a whole ClientHello, or show they
  // are not one, or the peek times out.
  asio::awaitable<void> peek_client_hello(std::string& peeked,
                                          std::optional<tls::ClientHelloInfo>& hello);

  // `retry_after_seconds` sets Retry-After on a 429 or 503 (a 429 always has one).
  // A summary for on_close when no request began: a connection closed at accept, or a
  // head refused with 400/408/431, so logs and metrics see those too.
  void begin_connection_summary(proxy_verdict verdict, std::string plugin, std::string reason);
  // `plugin_headers`: a rejecting plugin's own (checked when the decision was read).
  asio::awaitable<void> reply_error(int status, std::string_view reason, bool close,
                                    std::uint32_t retry_after_seconds = 0,
                                    const host::HeaderList& plugin_headers = {});
  void count_bytes(proxy_direction direction, std::string_view bytes);
  void log_escaped_exception(std::string_view where, const std::exception_ptr& error) const;
  void begin_transaction(const host::RequestData& request);
  void end_transaction();
  void close_upstream();
  void close_all();

  SessionContext context_;
  SessionTracker& tracker_;
  TimedSocket client_;
  std::unique_ptr<TimedSocket> upstream_;  // once a request needed one
  std::string upstream_key_;               // host:port the open upstream socket goes to
  // The parent proxy it goes to, when it does: requests on it are written for a proxy.
  // A pointer: a session that never uses a parent carries 8 bytes for it, not a copy.
  std::unique_ptr<host::ParentProxy> upstream_parent_;

  asio::ip::address client_address_;
  host::ConnectionData conn_;
  proxy_conn_info conn_info_{};
  bool holds_slot_ = false;  // counted in server.max_connections
  bool admitted_ = false;    // counted per client, and in connections_active
  bool accept_ran_ = false;  // on_accept ran: on_connection_end follows at the close

  bool closed_ = false;
  bool client_gone_ = false;  // a ClientWatch saw the client leave
  bool waiting_for_request_ = false;
  bool parked_ = false;  // between requests: see park()
  Clock::time_point parked_until_;

  std::string client_buffer_;    // client bytes read but not yet consumed
  std::string upstream_buffer_;  // upstream bytes read but not yet consumed

  // Only while a transaction runs: an idle connection does not carry its fields.
  std::unique_ptr<host::TransactionData> transaction_;
  std::chrono::steady_clock::time_point transaction_start_;
};

}  // namespace proxy::core

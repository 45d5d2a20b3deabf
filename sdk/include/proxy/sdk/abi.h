/*
 * The proxy-server plugin ABI: the only thing that crosses the shared-library boundary.
 *
 * Plain C on purpose: no C++ standard library, Boost, spdlog or nlohmann type appears
 * here, so a plugin built with another compiler, standard library or Boost keeps loading.
 *
 * Rules every struct follows:
 *  - It starts with `size` (sizeof as the writer knew it). Readers check it before
 *    touching a field, so later minor versions may append fields.
 *  - Strings are `proxy_str` views ({ptr,len}, not NUL-terminated).
 *
 * OWNERSHIP: every pointer the host passes into a hook is valid during that call only;
 * a plugin copies what it keeps. Headers are edited through host callbacks, never by
 * writing into host memory. Every pointer a plugin passes to the host (a decision's
 * headers and attributes, a log message, a header name) is read, and copied where kept,
 * before the call that carries it returns: the plugin keeps ownership.
 *
 * THREADS: each connection lives on one io thread; its hooks run there, one at a time,
 * never re-entered for the same connection. Different connections run on different io
 * threads at once, so a plugin's shared state needs its own locking. The host's
 * callbacks may be called from any thread unless their comment says otherwise.
 *
 * AFTER SHUTDOWN: once proxy_plugin_destroy ran, no hook is called and every handle the
 * host gave (proxy_call, proxy_completion, proxy_headers) is invalid; completing a
 * deferral the host stopped waiting for (timed out, client gone, shutdown) is harmless
 * and ignored.
 *
 * Versioning: PROXY_SDK_ABI_VERSION is major.minor. The host loads a plugin of the same
 * major and a minor up to its own. Appending a field or an optional hook is a minor bump;
 * changing or removing anything is a major bump. Fields marked "since 1.1" (or a later
 * minor) are read only after checking `size` covers them: an older peer never wrote them.
 */
#ifndef PROXY_SDK_ABI_H
#define PROXY_SDK_ABI_H

#include <stddef.h>
#include <stdint.h>

#define PROXY_SDK_ABI_VERSION_MAJOR 1
#define PROXY_SDK_ABI_VERSION_MINOR 3
/* Packed as (major << 16) | minor, the value proxy_plugin_abi_version() returns. */
#define PROXY_SDK_ABI_VERSION \
  ((uint32_t)(((uint32_t)PROXY_SDK_ABI_VERSION_MAJOR << 16) | PROXY_SDK_ABI_VERSION_MINOR))

#ifdef __cplusplus
extern "C" {
#endif

/* True when the struct behind `ptr` (which starts with `size`) is large enough to hold
 * `field`: how a reader checks for fields a later minor version appended. */
#define PROXY_ABI_HAS(ptr, type, field) \
  ((ptr)->size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* A borrowed string view. */
typedef struct proxy_str {
  const char* ptr;
  size_t len;
} proxy_str;

typedef struct proxy_header {
  proxy_str name;
  proxy_str value;
} proxy_header;

typedef enum proxy_log_level {
  PROXY_LOG_TRACE = 0,
  PROXY_LOG_DEBUG = 1,
  PROXY_LOG_INFO = 2,
  PROXY_LOG_WARN = 3,
  PROXY_LOG_ERROR = 4,
  PROXY_LOG_CRITICAL = 5
} proxy_log_level;

typedef enum proxy_verdict {
  PROXY_VERDICT_ALLOW = 0,
  PROXY_VERDICT_REJECT = 1, /* answer with `status` and `reason`, then close */
  PROXY_VERDICT_CLOSE = 2,  /* close the connection without an answer */
  PROXY_VERDICT_DEFER = 3,  /* the plugin called host->defer() and completes later */
  PROXY_VERDICT_FAILED = 4  /* the hook failed (a C++ plugin threw); reason says why */
} proxy_verdict;

typedef enum proxy_direction {
  PROXY_DIRECTION_CLIENT_TO_UPSTREAM = 0,
  PROXY_DIRECTION_UPSTREAM_TO_CLIENT = 1
} proxy_direction;

#define PROXY_REASON_MAX 256

/* ---- routing (since 1.3) ------------------------------------------------------------ */

typedef enum proxy_route_kind {
  PROXY_ROUTE_UNSET = 0,  /* no choice: another plugin's, else direct */
  PROXY_ROUTE_DIRECT = 1, /* the core connects to the request's target itself */
  PROXY_ROUTE_PARENTS = 2 /* through a parent HTTP proxy, the first of `parents` reached */
} proxy_route_kind;

/* A parent HTTP proxy. The core dials host:port (the operator chose it: the address is
 * not held to upstream.deny_networks or local_destinations, only the loop guard), sends
 * `CONNECT target` for a tunnel and the absolute-form request for plain HTTP, with
 * `Proxy-Authorization: <authorization>` when that is not empty; the client's own
 * Proxy-Authorization never goes on. A parent that cannot be reached (refused, no
 * address, timeouts.connect passed) is skipped for the next; a parent that answers a
 * CONNECT with anything but 2xx, or plain HTTP with 407, ends the transaction with 502
 * naming it. Kept-alive connections to a parent serve only requests routed through it.
 *  - name: 1 to PROXY_PARENT_NAME_MAX characters from [A-Za-z0-9_.-]; the access log's
 *    `upstream` and error reasons name the parent by it.
 *  - host: a host name or an IP address (IPv6 without brackets), 1 to
 *    PROXY_PARENT_HOST_MAX characters from [A-Za-z0-9_.:-]; port 1 to 65535.
 *  - authorization: at most PROXY_PARENT_AUTHORIZATION_MAX bytes, no control characters.
 *    A credential: the host never logs it. */
typedef struct proxy_parent {
  proxy_str name;
  proxy_str host;
  uint16_t port;
  proxy_str authorization;
} proxy_parent;

#define PROXY_ROUTE_PARENTS_MAX 8
#define PROXY_PARENT_NAME_MAX 64
#define PROXY_PARENT_HOST_MAX 253
#define PROXY_PARENT_AUTHORIZATION_MAX 1024
/* proxy_transaction::upstream when the core connected to the target itself. */
#define PROXY_UPSTREAM_DIRECT "direct"

/* What a deciding hook answers. The host zero-fills it with verdict ALLOW before the call. */
typedef struct proxy_decision {
  size_t size;
  uint32_t verdict; /* proxy_verdict */
  uint32_t status;  /* HTTP status for REJECT: 400-599, else the transaction fails (500) */
  uint32_t reason_len;
  char reason[PROXY_REASON_MAX]; /* not NUL-terminated; reason_len bytes */
  /* since 1.1: for a REJECT with status 429 or 503, the Retry-After seconds the client is
   * told (0: the host's default of 1). Written only when `size` covers it. */
  uint32_t retry_after_seconds;
  /* since 1.2: response headers for a REJECT, e.g. Proxy-Authenticate on a 407 or Allow
   * on a 405: at most PROXY_DECISION_HEADERS_MAX, a name that is a token, a value without
   * CR, LF or NUL, name and value together at most PROXY_DECISION_HEADER_BYTES. Names the
   * host writes itself (framing, Connection, Content-Type, Via, Retry-After) are refused.
   * The host drops, and logs, each header that breaks a rule; the rejection still goes
   * out. Ignored for other verdicts. Borrowed until the hook (or complete()) returns. */
  const proxy_header* headers;
  uint32_t header_count;
  /* since 1.2: transaction attributes to set, with any verdict: names of 1 to
   * PROXY_ATTRIBUTE_NAME_MAX characters from [a-z0-9_.-], values at most
   * PROXY_ATTRIBUTE_VALUE_MAX bytes without control characters, at most
   * PROXY_ATTRIBUTES_MAX per transaction (setting a name again replaces its value).
   * Later hooks of the transaction and on_close see them. "user" is the well-known one:
   * who the client authenticated as. Ignored in on_accept (no transaction exists yet).
   * Borrowed until the hook (or complete()) returns; what breaks a rule is dropped and
   * logged. */
  const proxy_header* attributes;
  uint32_t attribute_count;
  /* since 1.3: how the upstream is reached, chosen in on_request with the verdict ALLOW
   * (ignored with any other verdict and in other hooks: on_accept has no request yet,
   * and by on_sni the tunnel is already open). proxy_route_kind: PROXY_ROUTE_UNSET leaves
   * the choice to the other plugins (direct when none chooses); a later plugin's choice
   * replaces an earlier one's. PROXY_ROUTE_PARENTS lists 1 to PROXY_ROUTE_PARENTS_MAX
   * parents, tried in order while one cannot be reached. A route that breaks a rule of
   * proxy_parent fails the decision, in whichever hook (a 500 in on_request), rather than
   * going direct: a parent may be where the operator's policy is enforced. Borrowed until
   * the hook (or complete()) returns. */
  uint32_t route;
  const proxy_parent* parents;
  uint32_t parent_count;
} proxy_decision;

#define PROXY_DECISION_HEADERS_MAX 8
#define PROXY_DECISION_HEADER_BYTES 1024
#define PROXY_ATTRIBUTES_MAX 16
#define PROXY_ATTRIBUTE_NAME_MAX 32
#define PROXY_ATTRIBUTE_VALUE_MAX 256
#define PROXY_ATTRIBUTE_USER "user"
/* Set by an authentication plugin on a refusal that counts as a failed attempt:
 * PROXY_AUTH_FAILURE_INVALID (credentials sent and refused) or PROXY_AUTH_FAILURE_THROTTLED
 * (refused unchecked after too many failures). A challenge to a client that sent no
 * credentials is not a failure. proxy_auth_failures_total{reason} counts them. */
#define PROXY_ATTRIBUTE_AUTH_FAILURE "auth_failure"
#define PROXY_AUTH_FAILURE_INVALID "invalid_credentials"
#define PROXY_AUTH_FAILURE_THROTTLED "too_many_failures"
/* Set by a rate limiter on every decision it makes: PROXY_RATE_LIMIT_ALLOWED or
 * PROXY_RATE_LIMIT_LIMITED, or, when its shared store (Redis) gave no answer, what its
 * on_error policy made of that: PROXY_RATE_LIMIT_ERROR_ALLOWED or
 * PROXY_RATE_LIMIT_ERROR_DENIED. proxy_rate_limit_decisions_total{result} counts them. */
#define PROXY_ATTRIBUTE_RATE_LIMIT "rate_limit"
#define PROXY_RATE_LIMIT_ALLOWED "allowed"
#define PROXY_RATE_LIMIT_LIMITED "limited"
#define PROXY_RATE_LIMIT_ERROR_ALLOWED "error_allowed"
#define PROXY_RATE_LIMIT_ERROR_DENIED "error_denied"
/* Beside an error result: why the store gave no answer. PROXY_RATE_LIMIT_ERROR_TIMEOUT (not
 * within its timeout), PROXY_RATE_LIMIT_ERROR_UNAVAILABLE (no connection, or it was lost),
 * PROXY_RATE_LIMIT_ERROR_REPLY (an error reply), PROXY_RATE_LIMIT_ERROR_OVERLOADED (too
 * many decisions already waiting: not asked). proxy_redis_errors_total{reason} counts them. */
#define PROXY_ATTRIBUTE_RATE_LIMIT_ERROR "rate_limit_error"
#define PROXY_RATE_LIMIT_ERROR_TIMEOUT "timeout"
#define PROXY_RATE_LIMIT_ERROR_UNAVAILABLE "unavailable"
#define PROXY_RATE_LIMIT_ERROR_REPLY "error_reply"
#define PROXY_RATE_LIMIT_ERROR_OVERLOADED "overloaded"
/* since 1.3: beside PROXY_RATE_LIMIT_ALLOWED or PROXY_RATE_LIMIT_LIMITED decided by a shared
 * store: how long the store took to answer, from the decision's question to its answer, in
 * whole microseconds as decimal digits. proxy_redis_latency_seconds is their histogram. */
#define PROXY_ATTRIBUTE_RATE_LIMIT_STORE_US "rate_limit_store_us"

typedef struct proxy_conn_info {
  size_t size;
  uint64_t id; /* unique per process */
  proxy_str client_ip;
  uint16_t client_port;
  proxy_str local_ip;
  uint16_t local_port;
  uint32_t worker; /* index of the io thread that owns the connection */
  /* since 1.2: the client as the core's per-client limits count it: the IPv4 address
   * (an IPv4-mapped IPv6 address unwrapped), or the IPv6 address's network of
   * server.ipv6_client_prefix bits in CIDR form ("2001:db8:1:2::/64"). Key per-client
   * state by this, so one subscriber cannot rotate through its IPv6 prefix. */
  proxy_str client_key;
  /* since 1.3: with server.proxy_protocol.mode required, the address of the peer that
   * sent the PROXY protocol header (the load balancer), while client_ip, client_port and
   * client_key are the client it reported (or the peer itself for a LOCAL health check).
   * Empty (len 0) when PROXY protocol is off: then the peer is the client. */
  proxy_str peer_ip;
} proxy_conn_info;

/* Opaque handle to a header list the host owns; edited only via host callbacks. */
typedef struct proxy_headers proxy_headers;

typedef struct proxy_request {
  size_t size;
  proxy_str method;
  proxy_str target; /* as received: absolute-form, authority-form or origin-form */
  proxy_str host;   /* target host, IPv6 without brackets; empty for origin-form */
  uint16_t port;    /* target port (80 by default for http://) */
  proxy_str path;   /* origin-form path and query; empty for CONNECT */
  uint32_t version; /* 10 or 11 */
  uint32_t is_connect;
  const proxy_header* headers;
  size_t header_count;
  proxy_headers* editable; /* NULL when the headers cannot be edited in this hook */
  /* since 1.2: the attributes earlier plugins set on this transaction, in the order they
   * were first set */
  const proxy_header* attributes;
  size_t attribute_count;
} proxy_request;

typedef struct proxy_response {
  size_t size;
  uint32_t status;
  proxy_str reason;
  uint32_t version;
  const proxy_header* headers;
  size_t header_count;
  proxy_headers* editable;
} proxy_response;

typedef struct proxy_client_hello {
  size_t size;
  uint32_t is_tls;       /* 0: the first bytes are not a TLS ClientHello */
  proxy_str sni;         /* server_name; empty when absent */
  const proxy_str* alpn; /* offered protocols, in order */
  size_t alpn_count;
  uint16_t legacy_version;  /* ClientHello.legacy_version, e.g. 0x0303 */
  uint16_t highest_version; /* highest of supported_versions, else legacy_version */
  uint32_t has_ech;         /* carries encrypted_client_hello: sni is the outer name */
} proxy_client_hello;

typedef enum proxy_transaction_kind {
  PROXY_TRANSACTION_REQUEST = 0,   /* one plain HTTP request/response */
  PROXY_TRANSACTION_TUNNEL = 1,    /* a CONNECT tunnel */
  PROXY_TRANSACTION_CONNECTION = 2 /* closed at on_accept, or its request head was refused */
} proxy_transaction_kind;

/* Summary handed to on_close when a transaction or connection ends. */
typedef struct proxy_transaction {
  size_t size;
  uint32_t kind; /* proxy_transaction_kind */
  const proxy_conn_info* conn;
  proxy_str method;
  proxy_str host;
  uint16_t port;
  proxy_str target;
  uint32_t status; /* HTTP status sent to the client; 0 when none */
  proxy_str sni;
  uint64_t bytes_client_to_upstream;
  uint64_t bytes_upstream_to_client;
  int64_t start_unix_ms;
  uint64_t duration_us;
  uint32_t verdict;     /* proxy_verdict of the final decision */
  proxy_str decided_by; /* plugin name, "core", or empty when allowed */
  proxy_str reason;
  /* since 1.2: the transaction's attributes, and the "user" one on its own (ptr NULL
   * when no plugin set it) */
  const proxy_header* attributes;
  size_t attribute_count;
  proxy_str user;
  /* since 1.3: how the upstream was reached: PROXY_UPSTREAM_DIRECT, or the name of the
   * parent proxy (proxy_parent::name) used, the last one tried when none could be
   * reached. ptr NULL when no upstream was tried (refused before, an admin request). */
  proxy_str upstream;
} proxy_transaction;

/* ---- admin endpoints ---------------------------------------------------------------- */

typedef struct proxy_admin_request {
  size_t size;
  proxy_str method;
  proxy_str path;
  proxy_str query;
  proxy_str client_ip;
} proxy_admin_request;

/* Opaque response the host builds; filled with host->response_* callbacks. */
typedef struct proxy_admin_response proxy_admin_response;

typedef void (*proxy_endpoint_fn)(void* user, const proxy_admin_request* request,
                                  proxy_admin_response* response);

/* ---- host API ----------------------------------------------------------------------- */

/* Opaque per-call handle; lets a deciding hook defer. Valid during the call only. */
typedef struct proxy_call proxy_call;
/* Opaque completion of a deferred decision; owned by the host until completed. */
typedef struct proxy_completion proxy_completion;

/* Runs once: with cancelled = 0 when the delay passed, or 1 when the host shuts down
 * first (release `user` then). */
typedef void (*proxy_timer_fn)(void* user, int cancelled);

/* Counters the core keeps, read with host->get_stats (since 1.1). */
/* The upper bounds of the DNS lookup duration buckets in proxy_host_stats, in
 * microseconds: 1 ms to 10 s. Use as `static const uint64_t b[] = PROXY_DNS_DURATION_BOUNDS_US;`.
 */
#define PROXY_DNS_DURATION_BOUNDS_US \
  { 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000 }
#define PROXY_DNS_DURATION_BUCKETS 13 /* the bounds above, and one for slower lookups */

typedef struct proxy_host_stats {
  size_t size;                  /* set by the caller; the host fills what fits */
  uint64_t connections_active;  /* admitted and not yet closed */
  uint64_t connections_total;   /* admitted since start */
  uint64_t connections_refused; /* closed at once: server.max_connections(_per_ip) */
  uint64_t tunnels_active;      /* CONNECT tunnels established and not yet closed */
  /* since 1.3: upstream host name lookups. A lookup is one question to the name servers
   * (concurrent requests for one name share it); an answer from the cache asks none. */
  uint64_t dns_lookups_ok;        /* answered with at least one address */
  uint64_t dns_lookups_failed;    /* no such name, no address, or the servers failed */
  uint64_t dns_lookups_timed_out; /* no answer within upstream.dns.timeout */
  uint64_t dns_cache_hits;        /* requests answered from the cache */
  /* since 1.3: how long those lookups took, ended by an answer or the timeout. Bucket i
   * counts lookups that took at most PROXY_DNS_DURATION_BOUNDS_US[i] microseconds (and
   * more than the bound before it); the last bucket counts the slower ones. Not
   * cumulative. */
  uint64_t dns_lookup_duration_buckets[PROXY_DNS_DURATION_BUCKETS];
  uint64_t dns_lookup_duration_sum_us;
  /* since 1.3: connections closed because server.proxy_protocol required a PROXY header:
   * from a peer outside `trusted`, or whose header was malformed, cut short or late */
  uint64_t proxy_protocol_refused;
  /* since 1.3: configuration reloads (SIGHUP). The generation serving new connections:
   * 1 at startup, one more for each reload that took; reloads that took, and reloads
   * refused (a file or a plugin failed, or a key needs a restart), since start. */
  uint64_t config_generation;
  uint64_t config_reloads_ok;
  uint64_t config_reloads_failed;
} proxy_host_stats;

/* Callbacks the host gives a plugin at creation. `host` is the first argument of the
 * callbacks that take it. All callbacks are thread-safe unless noted. */
typedef struct proxy_host_api {
  size_t size;
  void* host;
  uint32_t abi_version; /* the host's PROXY_SDK_ABI_VERSION */
  uint32_t log_level;   /* the host's proxy_log_level: messages below it are dropped */

  /* Any thread, also from inside a hook. The message is copied (and JSON-escaped by the
   * log) before it returns. After shutdown: do not call. */
  void (*log)(void* host, uint32_t level, proxy_str message);

  /* Header edits on a list handed to the current hook; call thread = hook thread, only
   * during that hook. Return 0 on success, non-zero when the name or value is not a
   * valid header. The views the hook was given keep showing the list as received. */
  int (*header_set)(proxy_headers* headers, proxy_str name, proxy_str value);
  int (*header_add)(proxy_headers* headers, proxy_str name, proxy_str value);
  int (*header_remove)(proxy_headers* headers, proxy_str name);

  /* Starts a deferral for the current call (call thread = hook thread). The hook then
   * returns PROXY_VERDICT_DEFER, and complete() must be called exactly once, from any
   * thread, also from inside the hook before it returns (then no wait happens). Returns
   * NULL when this hook cannot defer. complete() copies `decision` (its headers and
   * attributes too) before it returns; completing after the host stopped waiting (hook
   * timeout, client gone, shutdown) only logs that it was ignored. A second complete()
   * of the same completion is ignored. */
  proxy_completion* (*defer)(proxy_call* call);
  void (*complete)(proxy_completion* completion, const proxy_decision* decision);

  /* Calls fn(user, 0) on a host thread after delay_ms, or fn(user, 1) at shutdown; any
   * thread, also from inside fn. fn must not block. */
  void (*schedule)(void* host, uint64_t delay_ms, proxy_timer_fn fn, void* user);

  /* Routes `path` on the proxy's admin port to fn; only at creation time. Returns 0 on
   * success, non-zero when the path is taken or invalid. fn runs on an io thread and
   * must not block; user must stay valid until the plugin is destroyed. */
  int (*register_endpoint)(void* host, proxy_str path, proxy_endpoint_fn fn, void* user);
  void (*response_set_status)(proxy_admin_response* response, uint32_t status);
  void (*response_set_header)(proxy_admin_response* response, proxy_str name, proxy_str value);
  void (*response_append)(proxy_admin_response* response, proxy_str body);

  /* The response_* calls fill the response handed to an endpoint fn, during that call. */

  /* since 1.1 */
  proxy_str host_version; /* the proxy's version, e.g. "0.1.0"; valid for the process */
  /* Fills `out` (out->size set by the caller) with the core's counters; any thread. */
  void (*get_stats)(void* host, proxy_host_stats* out);

  /* since 1.2: how many io threads run hooks; proxy_conn_info::worker is below it, so a
   * plugin can keep one lock-free slot per worker. */
  uint32_t worker_count;
} proxy_host_api;

/* ---- HTTP parser capability --------------------------------------------------------- */

typedef enum proxy_http_message_kind {
  PROXY_HTTP_REQUEST = 0,
  PROXY_HTTP_RESPONSE = 1
} proxy_http_message_kind;

typedef enum proxy_parse_status {
  PROXY_PARSE_NEED_MORE = 0,
  PROXY_PARSE_DONE = 1,
  PROXY_PARSE_ERROR = 2
} proxy_parse_status;

typedef enum proxy_body_kind {
  PROXY_BODY_NONE = 0,
  PROXY_BODY_CONTENT_LENGTH = 1,
  PROXY_BODY_CHUNKED = 2,
  PROXY_BODY_UNTIL_CLOSE = 3
} proxy_body_kind;

typedef struct proxy_parse_options {
  size_t size;
  uint64_t max_header_bytes;
  uint64_t max_headers;
  uint32_t response_to_head;    /* response of a HEAD request: no body */
  uint32_t response_to_connect; /* response of a CONNECT request */
} proxy_parse_options;

typedef struct proxy_http_head {
  size_t size;
  proxy_str method; /* requests */
  proxy_str target;
  uint32_t status; /* responses */
  proxy_str reason;
  uint32_t version; /* 10 or 11 */
  const proxy_header* headers;
  size_t header_count;
  uint32_t body_kind; /* proxy_body_kind */
  uint64_t content_length;
  uint32_t keep_alive;
} proxy_http_head;

typedef struct proxy_parse_error {
  size_t size;
  uint32_t status; /* the status the proxy answers with: 400, 431, 502 ... */
  uint32_t reason_len;
  char reason[PROXY_REASON_MAX];
} proxy_parse_error;

typedef struct proxy_http_message proxy_http_message;

/* One parser object per message; used by one thread at a time. Views written into a
 * proxy_http_head stay valid until the next call on that message or its destruction. */
typedef struct proxy_http_parser_api {
  size_t size;
  void* self;
  proxy_http_message* (*create)(void* self, uint32_t kind, const proxy_parse_options* options);
  void (*destroy)(proxy_http_message* message);
  /* Feeds the bytes received so far for the head (the host passes the whole buffered
   * head each time). DONE fills `head` and sets *consumed to the head's length. */
  uint32_t (*parse_head)(proxy_http_message* message, proxy_str input, size_t* consumed,
                         proxy_http_head* head, proxy_parse_error* error);
  /* Feeds body bytes; *consumed says how many belong to this message (framing included,
   * forwarded verbatim). DONE when the message ends. */
  uint32_t (*parse_body)(proxy_http_message* message, proxy_str input, size_t* consumed,
                         proxy_parse_error* error);
  /* The peer closed: DONE when that ends the message cleanly, ERROR otherwise. */
  uint32_t (*finish)(proxy_http_message* message, proxy_parse_error* error);
} proxy_http_parser_api;

#define PROXY_CAPABILITY_HTTP_PARSER "http_parser"

/* ---- hooks -------------------------------------------------------------------------- */

typedef void (*proxy_on_accept_fn)(void* self, proxy_call* call, const proxy_conn_info* conn,
                                   proxy_decision* out);
typedef void (*proxy_on_request_fn)(void* self, proxy_call* call, const proxy_conn_info* conn,
                                    const proxy_request* request, proxy_decision* out);
typedef void (*proxy_on_sni_fn)(void* self, proxy_call* call, const proxy_conn_info* conn,
                                const proxy_request* request, const proxy_client_hello* hello,
                                proxy_decision* out);
typedef void (*proxy_on_bytes_fn)(void* self, const proxy_conn_info* conn, uint32_t direction,
                                  proxy_str bytes);
typedef void (*proxy_on_response_fn)(void* self, const proxy_conn_info* conn,
                                     const proxy_request* request, const proxy_response* response);
typedef void (*proxy_on_close_fn)(void* self, const proxy_transaction* transaction);
/* since 1.2: the client connection ended (after its last on_close): the place to drop
 * per-connection state. Called once per connection that on_accept saw, on its io thread. */
typedef void (*proxy_on_connection_end_fn)(void* self, const proxy_conn_info* conn);

/* Entries are NULL for hooks the instance does not use; the host calls only the others.
 * A hook never lets an exception or longjmp cross this boundary. */
typedef struct proxy_hook_table {
  size_t size;
  proxy_on_accept_fn on_accept;
  proxy_on_request_fn on_request;
  proxy_on_sni_fn on_sni;
  proxy_on_bytes_fn on_bytes;
  proxy_on_response_fn on_response;
  proxy_on_close_fn on_close;
  /* Returns the capability's API struct (e.g. proxy_http_parser_api for
   * PROXY_CAPABILITY_HTTP_PARSER) or NULL when the instance does not provide it. */
  const void* (*get_capability)(void* self, proxy_str name);

  /* since 1.1: the longest the host waits for a tunnel's first client bytes before
   * on_sni runs (with is_tls = 0 when nothing useful came). 0: the host's default,
   * timeouts.header_read. The host waits for the largest value its plugins ask for. */
  uint64_t sni_peek_timeout_ms;

  /* since 1.2 */
  proxy_on_connection_end_fn on_connection_end;
} proxy_hook_table;

/* ---- exported symbols --------------------------------------------------------------- */

typedef struct proxy_plugin_info {
  size_t size;
  proxy_str name;
  proxy_str version;
  proxy_str description;
} proxy_plugin_info;

typedef struct proxy_plugin_config {
  size_t size;
  proxy_str name;          /* as listed in plugins.enabled */
  proxy_str settings_json; /* plugins.settings.<name> as JSON text; "{}" when absent */
  /* since 1.2: the folder of the main config file (the first one loaded), absolute;
   * relative paths in settings are taken from here. Empty when there is none. Valid
   * during proxy_plugin_create only. */
  proxy_str config_dir;
} proxy_plugin_config;

typedef struct proxy_plugin_instance {
  size_t size;
  void* self;
  const proxy_hook_table* hooks; /* valid until destroy */
} proxy_plugin_instance;

typedef enum proxy_create_result {
  PROXY_CREATE_OK = 0,
  PROXY_CREATE_FAILED = 1,           /* the factory failed (threw) */
  PROXY_CREATE_SETTINGS_REJECTED = 2 /* the settings are invalid; error names the key */
} proxy_create_result;

#define PROXY_SYMBOL_ABI_VERSION "proxy_plugin_abi_version"
#define PROXY_SYMBOL_INFO "proxy_plugin_get_info"
#define PROXY_SYMBOL_CREATE "proxy_plugin_create"
#define PROXY_SYMBOL_DESTROY "proxy_plugin_destroy"

/* The four symbols a plugin exports (PROXY_PLUGIN in export.hpp defines them). The host
 * calls proxy_plugin_abi_version first and nothing else unless it is compatible. */
typedef uint32_t (*proxy_plugin_abi_version_fn)(void);
typedef const proxy_plugin_info* (*proxy_plugin_info_fn)(void);
/* Writes a one-line, NUL-terminated message into error (capacity error_cap) on failure. */
typedef uint32_t (*proxy_plugin_create_fn)(const proxy_host_api* host,
                                           const proxy_plugin_config* config,
                                           proxy_plugin_instance* out, char* error,
                                           size_t error_cap);
typedef void (*proxy_plugin_destroy_fn)(void* self);

#ifdef __cplusplus
}
#endif

#endif /* PROXY_SDK_ABI_H */

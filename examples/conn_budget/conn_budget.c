/*
 * conn_budget: at most `max_requests` requests per client connection. The one beyond is
 * refused with 429, an X-Connection-Budget header saying the budget, and the close that
 * follows every rejection, so a client that hammers one connection has to reconnect
 * (and pass the connection limits again). Every allowed request carries the attribute
 * `conn_request`: its number on the connection.
 *
 * Plain C11 against proxy/sdk/abi.h alone: no C++ layer crosses the boundary, so a
 * plugin in C, Rust or Zig needs nothing more. What it shows:
 *  - the four exported symbols and a hook table whose `size` says which hooks exist;
 *  - per-connection state kept lock-free, one table per io thread (host->worker_count
 *    and conn->worker), freed in on_connection_end (ABI 1.2);
 *  - a rejection carrying a response header, and an attribute on an allowed request,
 *    both borrowed from memory that outlives the hook call;
 *  - settings refused with the key named.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/sdk/abi.h"

#define EXPORT __attribute__((visibility("default")))

#define DEFAULT_MAX_REQUESTS 100
#define LARGEST_MAX_REQUESTS 1000000000ULL
#define BUCKETS 256 /* per io thread; chains grow with that thread's open connections */

typedef struct connection {
  uint64_t id;
  uint64_t requests;
  struct connection* next;
} connection;

/* Touched by its io thread only, so it needs no lock. The last three fields hold what a
 * decision borrows: the host reads them before the hook returns. */
typedef struct worker_table {
  connection* buckets[BUCKETS];
  proxy_header header;
  proxy_header attribute;
  char ordinal[24];
} worker_table;

typedef struct plugin {
  const proxy_host_api* host;
  uint64_t max_requests;
  uint32_t worker_count;
  worker_table* workers;
  char budget[24]; /* max_requests as text, for the header */
  proxy_hook_table hooks;
} plugin;

static proxy_str str(const char* text) {
  proxy_str out = {text, strlen(text)};
  return out;
}

static void log_line(const plugin* self, uint32_t level, const char* message) {
  if (level >= self->host->log_level) {
    self->host->log(self->host->host, level, str(message));
  }
}

static void reject(proxy_decision* out, uint32_t status, const char* reason) {
  out->verdict = PROXY_VERDICT_REJECT;
  out->status = status;
  out->reason_len = (uint32_t)strlen(reason);
  memcpy(out->reason, reason, out->reason_len); /* shorter than PROXY_REASON_MAX */
}

/* ---- settings: {} or {"max_requests": N} ------------------------------------------------ */

/* The host hands settings as JSON text. This plugin has one integer setting, so a small
 * strict reader does; a plugin with richer settings would use a JSON library. */
static const char* skip_spaces(const char* at, const char* end) {
  while (at < end && (*at == ' ' || *at == '\t' || *at == '\n' || *at == '\r')) {
    ++at;
  }
  return at;
}

static int read_settings(proxy_str json, uint64_t* max_requests, char* error, size_t error_cap) {
  static const char key[] = "\"max_requests\"";
  const char* at = skip_spaces(json.ptr, json.ptr + json.len);
  const char* end = json.ptr + json.len;
  *max_requests = DEFAULT_MAX_REQUESTS;
  if (at == end || *at != '{') {
    snprintf(error, error_cap, "plugins.settings.conn_budget: must be a map");
    return 0;
  }
  at = skip_spaces(at + 1, end);
  if (at < end && *at == '}') {
    return skip_spaces(at + 1, end) == end;
  }
  if ((size_t)(end - at) < sizeof key - 1 || memcmp(at, key, sizeof key - 1) != 0) {
    snprintf(error, error_cap,
             "plugins.settings.conn_budget: the only setting is max_requests (an integer)");
    return 0;
  }
  at = skip_spaces(at + sizeof key - 1, end);
  if (at == end || *at != ':') {
    snprintf(error, error_cap, "plugins.settings.conn_budget: malformed settings");
    return 0;
  }
  at = skip_spaces(at + 1, end);
  uint64_t value = 0;
  const char* digits = at;
  while (at < end && *at >= '0' && *at <= '9' && value <= LARGEST_MAX_REQUESTS) {
    value = value * 10 + (uint64_t)(*at - '0');
    ++at;
  }
  at = skip_spaces(at, end);
  if (at == digits || value < 1 || value > LARGEST_MAX_REQUESTS || at == end || *at != '}' ||
      skip_spaces(at + 1, end) != end) {
    snprintf(error, error_cap,
             "plugins.settings.conn_budget.max_requests: must be an integer from 1 to %llu, "
             "and the only setting",
             (unsigned long long)LARGEST_MAX_REQUESTS);
    return 0;
  }
  *max_requests = value;
  return 1;
}

/* ---- per-connection state --------------------------------------------------------------- */

static worker_table* table_of(plugin* self, const proxy_conn_info* conn) {
  return conn->worker < self->worker_count ? &self->workers[conn->worker] : NULL;
}

static connection** slot_of(worker_table* table, uint64_t id) {
  connection** at = &table->buckets[id % BUCKETS];
  while (*at != NULL && (*at)->id != id) {
    at = &(*at)->next;
  }
  return at;
}

/* ---- hooks ------------------------------------------------------------------------------ */

static void on_request(void* self_ptr, proxy_call* call, const proxy_conn_info* conn,
                       const proxy_request* request, proxy_decision* out) {
  plugin* self = self_ptr;
  (void)call;
  (void)request;
  worker_table* table = table_of(self, conn);
  if (table == NULL) { /* the host promises worker < worker_count; fail closed if not */
    reject(out, 500, "conn_budget: connection on an unknown io thread");
    return;
  }
  connection** slot = slot_of(table, conn->id);
  if (*slot == NULL) {
    connection* fresh = calloc(1, sizeof *fresh);
    if (fresh == NULL) {
      reject(out, 503, "conn_budget: out of memory");
      return;
    }
    fresh->id = conn->id;
    *slot = fresh;
  }
  connection* state = *slot;
  if (state->requests >= self->max_requests) {
    table->header.name = str("X-Connection-Budget");
    table->header.value = str(self->budget);
    reject(out, 429, "connection request budget used up: open a new connection");
    if (PROXY_ABI_HAS(out, proxy_decision, header_count)) {
      out->headers = &table->header;
      out->header_count = 1;
    }
    return;
  }
  ++state->requests;
  if (PROXY_ABI_HAS(out, proxy_decision, attribute_count)) {
    snprintf(table->ordinal, sizeof table->ordinal, "%" PRIu64, state->requests);
    table->attribute.name = str("conn_request");
    table->attribute.value = str(table->ordinal);
    out->attributes = &table->attribute;
    out->attribute_count = 1;
  }
}

static void on_connection_end(void* self_ptr, const proxy_conn_info* conn) {
  worker_table* table = table_of(self_ptr, conn);
  if (table == NULL) {
    return;
  }
  connection** slot = slot_of(table, conn->id);
  connection* done = *slot;
  if (done != NULL) {
    *slot = done->next;
    free(done);
  }
}

/* ---- exported symbols ------------------------------------------------------------------- */

EXPORT uint32_t proxy_plugin_abi_version(void) {
  return PROXY_SDK_ABI_VERSION;
}

EXPORT const proxy_plugin_info* proxy_plugin_get_info(void) {
  static const char name[] = "conn_budget";
  static const char version[] = "1.0.0";
  static const char description[] = "At most max_requests requests per client connection";
  static const proxy_plugin_info info = {sizeof(proxy_plugin_info),
                                         {name, sizeof name - 1},
                                         {version, sizeof version - 1},
                                         {description, sizeof description - 1}};
  return &info;
}

EXPORT uint32_t proxy_plugin_create(const proxy_host_api* host, const proxy_plugin_config* config,
                                    proxy_plugin_instance* out, char* error, size_t error_cap) {
  /* on_connection_end and worker_count arrived in 1.2: an older host cannot run this. */
  if (!PROXY_ABI_HAS(host, proxy_host_api, worker_count) || host->worker_count == 0) {
    snprintf(error, error_cap, "conn_budget needs a host of plugin ABI 1.2 or newer");
    return PROXY_CREATE_FAILED;
  }
  uint64_t max_requests = 0;
  if (!read_settings(config->settings_json, &max_requests, error, error_cap)) {
    return PROXY_CREATE_SETTINGS_REJECTED;
  }
  plugin* self = calloc(1, sizeof *self);
  worker_table* workers = calloc(host->worker_count, sizeof *workers);
  if (self == NULL || workers == NULL) {
    free(self);
    free(workers);
    snprintf(error, error_cap, "conn_budget: out of memory");
    return PROXY_CREATE_FAILED;
  }
  self->host = host;
  self->max_requests = max_requests;
  self->worker_count = host->worker_count;
  self->workers = workers;
  snprintf(self->budget, sizeof self->budget, "%" PRIu64, max_requests);
  self->hooks.size = sizeof self->hooks;
  self->hooks.on_request = &on_request;
  self->hooks.on_connection_end = &on_connection_end;

  char message[96];
  snprintf(message, sizeof message, "at most %" PRIu64 " requests per connection", max_requests);
  log_line(self, PROXY_LOG_INFO, message);
  out->self = self;
  out->hooks = &self->hooks;
  return PROXY_CREATE_OK;
}

/* No hook runs any more; state of connections still listed (none after a clean
 * shutdown) is freed with the rest. */
EXPORT void proxy_plugin_destroy(void* self_ptr) {
  plugin* self = self_ptr;
  for (uint32_t w = 0; w < self->worker_count; ++w) {
    for (size_t b = 0; b < BUCKETS; ++b) {
      connection* at = self->workers[w].buckets[b];
      while (at != NULL) {
        connection* next = at->next;
        free(at);
        at = next;
      }
    }
  }
  free(self->workers);
  free(self);
}

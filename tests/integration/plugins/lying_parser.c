/* A test-only HTTP parser written against abi.h alone that lies about what it consumed,
 * as a buggy third-party parser might: the core must check every value that comes back
 * across the ABI and never read past its own buffer.
 *
 * It reads a request head up to the blank line (request line only; no header fields) and
 * says it has a 10-byte Content-Length body. Then, depending on the request target:
 *   ".../head-overrun"  parse_head reports 4096 bytes more than it was given
 *   ".../body-overrun"  parse_body reports 4096 bytes more than it was given
 *   anything else       behaves
 */
#include <stdlib.h>
#include <string.h>

#include "proxy/sdk/abi.h"

#define OVERRUN 4096

typedef struct message {
  uint32_t kind;
  char method[16];
  char target[512];
  int lie_in_head;
  int lie_in_body;
  uint64_t body_left;
} message;

static const char* find(const char* haystack, size_t len, const char* needle) {
  const size_t n = strlen(needle);
  for (size_t i = 0; i + n <= len; ++i) {
    if (memcmp(haystack + i, needle, n) == 0) {
      return haystack + i;
    }
  }
  return NULL;
}

static int ends_with(const char* text, const char* suffix) {
  const size_t a = strlen(text);
  const size_t b = strlen(suffix);
  return a >= b && strcmp(text + a - b, suffix) == 0;
}

static uint32_t fail(proxy_parse_error* error, const char* reason) {
  error->status = 400;
  error->reason_len = (uint32_t)strlen(reason);
  memcpy(error->reason, reason, error->reason_len);
  return PROXY_PARSE_ERROR;
}

static proxy_http_message* create(void* self, uint32_t kind, const proxy_parse_options* options) {
  (void)self;
  (void)options;
  message* m = calloc(1, sizeof(message));
  if (m != NULL) {
    m->kind = kind;
  }
  return (proxy_http_message*)m;
}

static void destroy(proxy_http_message* handle) {
  free(handle);
}

static uint32_t parse_head(proxy_http_message* handle, proxy_str input, size_t* consumed,
                           proxy_http_head* head, proxy_parse_error* error) {
  message* m = (message*)handle;
  const char* end = find(input.ptr, input.len, "\r\n\r\n");
  if (end == NULL) {
    return PROXY_PARSE_NEED_MORE;
  }
  const size_t head_len = (size_t)(end - input.ptr) + 4;
  if (m->kind == PROXY_HTTP_RESPONSE) {
    /* Responses: "HTTP/1.1 200 ..." with a 10-byte body, honestly framed. */
    head->status = 200;
    head->version = 11;
    head->body_kind = PROXY_BODY_CONTENT_LENGTH;
    head->content_length = 10;
    head->keep_alive = 0;
    m->body_left = 10;
    *consumed = head_len;
    return PROXY_PARSE_DONE;
  }
  const char* space = memchr(input.ptr, ' ', head_len);
  if (space == NULL || (size_t)(space - input.ptr) >= sizeof(m->method)) {
    return fail(error, "bad request line");
  }
  const char* second = memchr(space + 1, ' ', head_len - (size_t)(space + 1 - input.ptr));
  if (second == NULL || (size_t)(second - space - 1) >= sizeof(m->target)) {
    return fail(error, "bad request line");
  }
  memcpy(m->method, input.ptr, (size_t)(space - input.ptr));
  memcpy(m->target, space + 1, (size_t)(second - space - 1));
  m->lie_in_head = ends_with(m->target, "/head-overrun");
  m->lie_in_body = ends_with(m->target, "/body-overrun");
  head->method.ptr = m->method;
  head->method.len = strlen(m->method);
  head->target.ptr = m->target;
  head->target.len = strlen(m->target);
  head->version = 11;
  head->body_kind = PROXY_BODY_CONTENT_LENGTH;
  head->content_length = 10;
  head->keep_alive = 0;
  m->body_left = 10;
  *consumed = head_len + (m->lie_in_head ? OVERRUN : 0);
  return PROXY_PARSE_DONE;
}

static uint32_t parse_body(proxy_http_message* handle, proxy_str input, size_t* consumed,
                           proxy_parse_error* error) {
  (void)error;
  message* m = (message*)handle;
  if (m->lie_in_body) {
    *consumed = input.len + OVERRUN;
    return PROXY_PARSE_DONE;
  }
  const size_t take = input.len < m->body_left ? input.len : (size_t)m->body_left;
  m->body_left -= take;
  *consumed = take;
  return m->body_left == 0 ? PROXY_PARSE_DONE : PROXY_PARSE_NEED_MORE;
}

static uint32_t finish(proxy_http_message* handle, proxy_parse_error* error) {
  message* m = (message*)handle;
  return m->body_left == 0 ? PROXY_PARSE_DONE : fail(error, "truncated");
}

static const proxy_http_parser_api parser_api = {
    sizeof(proxy_http_parser_api), NULL, create, destroy, parse_head, parse_body, finish};

static const void* get_capability(void* self, proxy_str name) {
  (void)self;
  const size_t n = strlen(PROXY_CAPABILITY_HTTP_PARSER);
  if (name.len == n && memcmp(name.ptr, PROXY_CAPABILITY_HTTP_PARSER, n) == 0) {
    return &parser_api;
  }
  return NULL;
}

static const proxy_hook_table hooks = {.size = sizeof(proxy_hook_table),
                                       .get_capability = get_capability};

static const proxy_plugin_info info = {sizeof(proxy_plugin_info),
                                       {"lying_parser", 12},
                                       {"1.0", 3},
                                       {"a parser that overstates what it consumed", 41}};

__attribute__((visibility("default"))) uint32_t proxy_plugin_abi_version(void) {
  return ((uint32_t)1 << 16) | 0;
}

__attribute__((visibility("default"))) const proxy_plugin_info* proxy_plugin_get_info(void) {
  return &info;
}

__attribute__((visibility("default"))) uint32_t proxy_plugin_create(
    const proxy_host_api* host, const proxy_plugin_config* config, proxy_plugin_instance* out,
    char* error, size_t error_cap) {
  (void)host;
  (void)config;
  (void)error;
  (void)error_cap;
  static int instance;
  out->self = &instance;
  out->hooks = &hooks;
  return PROXY_CREATE_OK;
}

__attribute__((visibility("default"))) void proxy_plugin_destroy(void* self) {
  (void)self;
}

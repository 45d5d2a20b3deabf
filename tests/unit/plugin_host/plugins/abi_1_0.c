/* Written by hand, as a plugin built against ABI 1.0 was: it exports version 1.0 and a
 * hook table of the 1.0 size. The memory just past that size holds a wild value where
 * 1.1 appended sni_peek_timeout_ms: a 1.1 host must load the plugin and read none of it. */
#include <stddef.h>
#include <string.h>

#include "proxy/sdk/abi.h"

#define EXPORT __attribute__((visibility("default")))

/* The 1.0 table ended after get_capability. */
#define HOOK_TABLE_1_0_SIZE (offsetof(proxy_hook_table, get_capability) + sizeof(void*))

static proxy_hook_table table;
static int instance;

static void on_sni(void* self, proxy_call* call, const proxy_conn_info* conn,
                   const proxy_request* request, const proxy_client_hello* hello,
                   proxy_decision* out) {
  (void)self;
  (void)call;
  (void)conn;
  (void)request;
  (void)hello;
  (void)out;
}

EXPORT uint32_t proxy_plugin_abi_version(void) {
  return ((uint32_t)1 << 16) | 0;
}

EXPORT const proxy_plugin_info* proxy_plugin_get_info(void) {
  static const proxy_plugin_info info = {sizeof(proxy_plugin_info),
                                         {"abi_1_0", 7},
                                         {"1.0.0", 5},
                                         {"Plugin as built against ABI 1.0", 31}};
  return &info;
}

EXPORT uint32_t proxy_plugin_create(const proxy_host_api* host, const proxy_plugin_config* config,
                                    proxy_plugin_instance* out, char* error, size_t error_cap) {
  (void)host;
  (void)config;
  (void)error;
  (void)error_cap;
  memset(&table, 0, sizeof(table));
  table.size = HOOK_TABLE_1_0_SIZE;
  table.on_sni = &on_sni;
  table.sni_peek_timeout_ms = 123456; /* past the 1.0 size: must never be read */
  out->self = &instance;
  out->hooks = &table;
  return PROXY_CREATE_OK;
}

EXPORT void proxy_plugin_destroy(void* self) {
  (void)self;
}

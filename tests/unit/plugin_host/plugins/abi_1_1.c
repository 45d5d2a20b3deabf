/* Written by hand, as a plugin built against ABI 1.1 was: it exports version 1.1 and a
 * hook table of the 1.1 size. The memory just past that size holds a function where 1.2
 * appended on_connection_end: a 1.2 host must load the plugin and never call it. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/sdk/abi.h"

#define EXPORT __attribute__((visibility("default")))

/* The 1.1 table ended after sni_peek_timeout_ms. */
#define HOOK_TABLE_1_1_SIZE (offsetof(proxy_hook_table, sni_peek_timeout_ms) + sizeof(uint64_t))

static proxy_hook_table table;
static int instance;

static void on_close(void* self, const proxy_transaction* transaction) {
  (void)self;
  (void)transaction;
}

/* Past the 1.1 size: a host that read it would call this, and the test would die. */
static void must_not_be_called(void* self, const proxy_conn_info* conn) {
  (void)self;
  (void)conn;
  abort();
}

EXPORT uint32_t proxy_plugin_abi_version(void) {
  return ((uint32_t)1 << 16) | 1;
}

EXPORT const proxy_plugin_info* proxy_plugin_get_info(void) {
  static const proxy_plugin_info info = {sizeof(proxy_plugin_info),
                                         {"abi_1_1", 7},
                                         {"1.1.0", 5},
                                         {"Plugin as built against ABI 1.1", 31}};
  return &info;
}

EXPORT uint32_t proxy_plugin_create(const proxy_host_api* host, const proxy_plugin_config* config,
                                    proxy_plugin_instance* out, char* error, size_t error_cap) {
  (void)host;
  (void)config;
  (void)error;
  (void)error_cap;
  memset(&table, 0, sizeof(table));
  table.size = HOOK_TABLE_1_1_SIZE;
  table.on_close = &on_close;
  table.on_connection_end = &must_not_be_called; /* past the 1.1 size: never read */
  out->self = &instance;
  out->hooks = &table;
  return PROXY_CREATE_OK;
}

EXPORT void proxy_plugin_destroy(void* self) {
  (void)self;
}

/* Written by hand, without PROXY_PLUGIN: claims a minor newer than the host's. The host must refuse
 * it after reading the version and call nothing else, so every other entry aborts. */
#include <stdlib.h>

#include "proxy/sdk/abi.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT uint32_t proxy_plugin_abi_version(void) {
  return ((uint32_t)PROXY_SDK_ABI_VERSION_MAJOR << 16) | (PROXY_SDK_ABI_VERSION_MINOR + 1);
}

EXPORT const proxy_plugin_info* proxy_plugin_get_info(void) {
  abort();
}

EXPORT uint32_t proxy_plugin_create(const proxy_host_api* host, const proxy_plugin_config* config,
                                    proxy_plugin_instance* out, char* error, size_t error_cap) {
  (void)host;
  (void)config;
  (void)out;
  (void)error;
  (void)error_cap;
  abort();
}

EXPORT void proxy_plugin_destroy(void* self) {
  (void)self;
  abort();
}

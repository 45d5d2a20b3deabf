/* Exports the version and the info but no create/destroy: the loader must name the
 * missing symbol. */
#include "proxy/sdk/abi.h"

#define EXPORT __attribute__((visibility("default")))

EXPORT uint32_t proxy_plugin_abi_version(void) {
  return PROXY_SDK_ABI_VERSION;
}

EXPORT const proxy_plugin_info* proxy_plugin_get_info(void) {
  static const proxy_plugin_info info = {sizeof(proxy_plugin_info),
                                         {"missing_export", 14},
                                         {"0.0.1", 5},
                                         {"Test plugin without create/destroy", 34}};
  return &info;
}

#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <boost/dll/shared_library.hpp>

#include "plugin_host/plugin_info.hpp"
#include "proxy/sdk/abi.h"

namespace proxy::host {

// "major.minor" of a packed PROXY_SDK_ABI_VERSION value.
std::string format_abi_version(std::uint32_t version);

// The host loads a plugin of its own major and a minor up to its own: a newer minor may
// call host callbacks or read struct fields this host does not have.
bool abi_compatible(std::uint32_t plugin_version, std::uint32_t host_version);

// One opened plugin library and its four entry points.
//
// The library stays mapped while this object lives; whoever creates instances through
// create_fn() must destroy them before destroying this object.
class PluginLibrary {
 public:
  // Opens `path` for the plugin enabled as `name`. The ABI version is checked before any
  // other plugin code is called. Throws PluginError: not_a_library, missing_export or
  // abi_mismatch.
  PluginLibrary(std::string name, std::filesystem::path path);
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  const std::string& name() const { return name_; }
  const std::filesystem::path& path() const { return path_; }
  std::uint32_t abi_version() const { return abi_version_; }
  const PluginInfo& info() const { return info_; }
  proxy_plugin_create_fn create_fn() const { return create_; }
  proxy_plugin_destroy_fn destroy_fn() const { return destroy_; }

 private:
  template <class Fn>
  Fn symbol(const char* symbol_name) const;

  std::string name_;
  std::filesystem::path path_;
  boost::dll::shared_library library_;
  std::uint32_t abi_version_ = 0;
  PluginInfo info_;
  proxy_plugin_create_fn create_ = nullptr;
  proxy_plugin_destroy_fn destroy_ = nullptr;
};

// "plugin 'x' (/dir/libx.so)": how every loader message starts.
std::string describe_plugin(const std::string& name, const std::filesystem::path& path);

}  // namespace proxy::host

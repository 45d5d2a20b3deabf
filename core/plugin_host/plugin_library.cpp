#include "plugin_host/plugin_library.hpp"

#include <dlfcn.h>

#include <cstddef>
#include <type_traits>

#include "plugin_host/plugin_error.hpp"

namespace proxy::host {
namespace {

constexpr std::uint32_t major_of(std::uint32_t version) {
  return version >> 16U;
}
constexpr std::uint32_t minor_of(std::uint32_t version) {
  return version & 0xFFFFU;
}

// A view from plugin memory; a null pointer with a length must not be dereferenced.
std::string copy_str(proxy_str s) {
  return s.ptr == nullptr ? std::string() : std::string(s.ptr, s.len);
}

// Copies the fields the plugin's struct is large enough to hold; an older plugin may
// have written a shorter proxy_plugin_info.
PluginInfo copy_info(const proxy_plugin_info* info) {
  PluginInfo out;
  if (info == nullptr) {
    return out;
  }
  auto has = [&](std::size_t offset) { return info->size >= offset + sizeof(proxy_str); };
  if (has(offsetof(proxy_plugin_info, name))) {
    out.name = copy_str(info->name);
  }
  if (has(offsetof(proxy_plugin_info, version))) {
    out.version = copy_str(info->version);
  }
  if (has(offsetof(proxy_plugin_info, description))) {
    out.description = copy_str(info->description);
  }
  return out;
}

}  // namespace

std::string format_abi_version(std::uint32_t version) {
  return std::to_string(major_of(version)) + "." + std::to_string(minor_of(version));
}

bool abi_compatible(std::uint32_t plugin_version, std::uint32_t host_version) {
  return major_of(plugin_version) == major_of(host_version) &&
         minor_of(plugin_version) <= minor_of(host_version);
}

std::string describe_plugin(const std::string& name, const std::filesystem::path& path) {
  return "plugin '" + name + "' (" + path.string() + ")";
}

PluginLibrary::PluginLibrary(std::string name, std::filesystem::path path)
    : name_(std::move(name)), path_(std::move(path)) {
  boost::dll::fs::error_code ec;
  // rtld_now: an unresolved symbol fails here, with the loader's reason, rather than
  // crashing the first connection that reaches the plugin.
  library_.load(path_, ec, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (ec || !library_.is_loaded()) {
    // Boost.DLL reports only a generic error code; dlerror() still holds the reason.
    const char* reason = ::dlerror();
    throw PluginError(PluginErrorKind::not_a_library, name_,
                      describe_plugin(name_, path_) + ": cannot be loaded as a shared library: " +
                          (reason != nullptr ? std::string(reason) : ec.message()));
  }

  // The version first, and nothing else unless it is compatible: another major may have
  // changed what the other entry points mean.
  const auto version_fn = symbol<proxy_plugin_abi_version_fn>(PROXY_SYMBOL_ABI_VERSION);
  abi_version_ = version_fn();
  if (!abi_compatible(abi_version_, PROXY_SDK_ABI_VERSION)) {
    throw PluginError(
        PluginErrorKind::abi_mismatch, name_,
        describe_plugin(name_, path_) + ": ABI version " + format_abi_version(abi_version_) +
            " is not compatible with this host's " + format_abi_version(PROXY_SDK_ABI_VERSION) +
            " (same major and a minor up to " + std::to_string(PROXY_SDK_ABI_VERSION_MINOR) +
            " required)");
  }

  const auto info_fn = symbol<proxy_plugin_info_fn>(PROXY_SYMBOL_INFO);
  create_ = symbol<proxy_plugin_create_fn>(PROXY_SYMBOL_CREATE);
  destroy_ = symbol<proxy_plugin_destroy_fn>(PROXY_SYMBOL_DESTROY);
  info_ = copy_info(info_fn());
}

template <class Fn>
Fn PluginLibrary::symbol(const char* symbol_name) const {
  if (!library_.has(symbol_name)) {
    throw PluginError(PluginErrorKind::missing_export, name_,
                      describe_plugin(name_, path_) + ": does not export '" + symbol_name +
                          "' (was it built with PROXY_PLUGIN?)");
  }
  return &library_.get<std::remove_pointer_t<Fn>>(symbol_name);
}

}  // namespace proxy::host

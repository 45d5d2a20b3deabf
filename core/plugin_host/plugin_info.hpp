#pragma once

#include <string>

namespace proxy::host {

// What a plugin says about itself, copied out of the library so it outlives the view.
struct PluginInfo {
  std::string name;
  std::string version;
  std::string description;
};

}  // namespace proxy::host

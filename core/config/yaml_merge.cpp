#include "config/yaml_merge.hpp"

#include <utility>

namespace proxy::config {

void merge_into(YamlNode& base, YamlNode overlay) {
  if (base.kind == YamlNode::Kind::map && overlay.kind == YamlNode::Kind::null) {
    return;
  }
  if (base.kind != YamlNode::Kind::map || overlay.kind != YamlNode::Kind::map) {
    base = std::move(overlay);
    return;
  }
  for (YamlEntry& entry : overlay.entries) {
    YamlEntry* existing = nullptr;
    for (YamlEntry& candidate : base.entries) {
      if (candidate.key == entry.key) {
        existing = &candidate;
        break;
      }
    }
    if (existing == nullptr) {
      base.entries.push_back(std::move(entry));
      continue;
    }
    // The latest mention of a key is where an operator would look for it.
    existing->file = std::move(entry.file);
    existing->line = entry.line;
    merge_into(existing->value, std::move(entry.value));
  }
}

}  // namespace proxy::config

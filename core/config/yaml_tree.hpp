#pragma once

// A YAML document as a plain tree that remembers, for every node, the file and line it
// came from. yaml-cpp nodes do not know their file, and after merging several files that
// is exactly what an error message needs. Keeping yaml-cpp out of this header also keeps
// it out of everything that includes it.

#include <string>
#include <vector>

namespace proxy::config {

struct YamlEntry;

struct YamlNode {
  enum class Kind { null, scalar, sequence, map };

  Kind kind = Kind::null;
  std::string scalar;  // text of a scalar
  // False for quoted or !!str scalars: those are strings, never numbers, booleans or null.
  bool plain = true;
  std::vector<YamlNode> items;     // sequence elements
  std::vector<YamlEntry> entries;  // map entries, in document order
  std::string file;                // file the node came from
  int line = 0;                    // 1-based; 0 when unknown
};

struct YamlEntry {
  std::string key;
  std::string file;  // file the key came from
  int line = 0;      // line of the key
  YamlNode value;
};

// The entry with this key, or nullptr.
inline const YamlEntry* find_entry(const YamlNode& map, const std::string& key) {
  for (const YamlEntry& entry : map.entries) {
    if (entry.key == key) {
      return &entry;
    }
  }
  return nullptr;
}

}  // namespace proxy::config

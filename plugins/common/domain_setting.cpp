#include "domain_setting.hpp"

#include <string>
#include <vector>

#include "invalid_entry.hpp"

namespace proxy::plugins::common {

DomainSet read_domains(const sdk::SettingsReader& reader, std::string_view key) {
  constexpr std::string_view expected = "a host name or IP address";
  const std::vector<std::string> entries =
      reader.list(key, sdk::setting::Text{std::string(expected)}, {});
  try {
    return DomainSet(entries);
  } catch (const InvalidEntry& e) {
    reader.reject(key, e.index(), expected, e.what());
  }
}

}  // namespace proxy::plugins::common

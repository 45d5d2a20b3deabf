// Fuzz target for the Upgrade offer and 101 checks (core/connection/upgrade_offer). The
// input is split at its first two NUL bytes into a Connection value, an Upgrade value and
// a 101's Upgrade value. Checks that what is offered upstream is a subset of what the
// client sent, only of allowed protocols, with no CR, LF or NUL (it goes into a head),
// and that a switch is only ever accepted to something offered.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connection/head_writer.hpp"
#include "connection/upgrade_offer.hpp"
#include "fuzz_check.hpp"

namespace {

std::string_view take_part(std::string_view& input) {
  const auto nul = input.find('\0');
  const std::string_view part = input.substr(0, nul);
  input = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);
  return part;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using proxy::fuzz::check;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view connection = take_part(input);
  const std::string_view upgrade = take_part(input);
  const std::string_view chosen = input;

  proxy::host::HeaderList fields;
  fields.add("Connection", std::string(connection));
  fields.add("Upgrade", std::string(upgrade));
  const auto received = proxy::core::received_head(fields, PROXY_BODY_NONE, 0);
  const std::vector<std::string> allowed = {"websocket", "h2c"};
  const std::string offered = proxy::core::offered_upgrade(fields, received, allowed);

  check(offered.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos,
        "the offer carries CR, LF or NUL");
  check(offered.size() <= upgrade.size() + upgrade.size() / 2 + 2, "the offer grew");
  const std::string offered_lower = lower(offered);
  check(offered.empty() || offered_lower.find("websocket") != std::string::npos ||
            offered_lower.find("h2c") != std::string::npos,
        "an offer of no allowed protocol");
  check(offered.empty() || lower(connection).find("upgrade") != std::string::npos,
        "an offer without Connection: upgrade");
  check(proxy::core::offered_upgrade(fields, received, {}).empty(),
        "an offer with nothing allowed");
  if (proxy::core::accepts_switch(chosen, offered)) {
    check(!offered.empty(), "a switch accepted with nothing offered");
    check(chosen.find(',') == std::string_view::npos, "a switch to several protocols");
  }
  return 0;
}

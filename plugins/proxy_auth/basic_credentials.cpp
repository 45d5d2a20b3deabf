#include "basic_credentials.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "password_check.hpp"
#include "proxy/sdk/types.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

constexpr std::uint8_t not_base64 = 0xff;

constexpr std::array<std::uint8_t, 256> make_base64_table() {
  std::array<std::uint8_t, 256> table{};
  table.fill(not_base64);
  constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> base64_table = make_base64_table();

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

CredentialsParse refuse(std::string problem) {
  return {std::nullopt, std::move(problem)};
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) {
    return std::nullopt;
  }
  const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t pad = last ? padding : 0;
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      std::uint8_t sextet = 0;
      if (j < 4 - pad) {
        sextet = base64_table[static_cast<unsigned char>(text[i + j])];
        if (sextet == not_base64) {
          return std::nullopt;  // '=' before the end lands here too
        }
      }
      group = (group << 6U) | sextet;
    }
    // With padding, the bits of the last character beyond the data must be zero.
    if ((pad == 1 && (group & 0xffU) != 0) || (pad == 2 && (group & 0xffffU) != 0)) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>((group >> 16U) & 0xffU));
    if (pad < 2) {
      out.push_back(static_cast<char>((group >> 8U) & 0xffU));
    }
    if (pad < 1) {
      out.push_back(static_cast<char>(group & 0xffU));
    }
  }
  return out;
}

CredentialsParse parse_basic_credentials(std::string_view value) {
  if (value.size() > max_authorization_bytes) {
    return refuse("Proxy-Authorization is longer than " + std::to_string(max_authorization_bytes) +
                  " bytes");
  }
  constexpr std::string_view scheme = "Basic";
  const std::size_t space = value.find(' ');
  if (space == std::string_view::npos || !sdk::iequals(value.substr(0, space), scheme)) {
    return refuse("Proxy-Authorization is not of the Basic scheme");
  }
  const std::size_t token = value.find_first_not_of(' ', space);
  if (token == std::string_view::npos) {
    return refuse("Proxy-Authorization has no credentials after Basic");
  }
  std::optional<std::string> decoded = decode_base64(value.substr(token));
  if (!decoded) {
    return refuse("Proxy-Authorization credentials are not valid base64");
  }
  const std::size_t colon = decoded->find(':');
  CredentialsParse result;
  if (colon == std::string::npos) {
    result.problem = "Proxy-Authorization credentials have no ':' between user and password";
  } else if (colon == 0) {
    result.problem = "Proxy-Authorization credentials have an empty user name";
  } else if (has_control(*decoded)) {
    result.problem = "Proxy-Authorization credentials hold a control character";
  } else {
    result.credentials = BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
  }
  wipe(*decoded);
  return result;
}

}  // namespace proxy::plugins::proxy_auth

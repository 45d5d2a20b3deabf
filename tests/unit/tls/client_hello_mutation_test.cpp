// Random damage to real ClientHellos: byte flips, truncations and small limits. The
// parser must never crash (run under ASan/UBSan in the sanitizer build), must answer
// with a known status, and a final answer on a prefix must hold for the whole input.

#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "test_hellos.hpp"
#include "tls/client_hello_parser.hpp"

namespace proxy::tls {
namespace {

using test::Bytes;

bool known_status(PeekStatus status) {
  switch (status) {
    case PeekStatus::need_more:
    case PeekStatus::client_hello:
    case PeekStatus::not_tls:
    case PeekStatus::malformed:
    case PeekStatus::too_large:
      return true;
  }
  return false;
}

bool valid_sni(const std::string& sni) {
  for (const char c : sni) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      return false;
    }
  }
  return sni.size() <= 255;
}

std::vector<Bytes> seed_hellos() {
  std::vector<Bytes> seeds;
  seeds.push_back(test::openssl_client_hello({}));
  test::OpenSslHelloOptions tls12;
  tls12.max_version = 0x0303;
  seeds.push_back(test::openssl_client_hello(tls12));
  const Bytes message = test::handshake_message(test::split_hello(seeds.front()));
  seeds.push_back(test::frame_records(message, 100));
  seeds.push_back(test::frame_records(message, 7));
  test::HelloParts ech = test::split_hello(seeds.front());
  ech.extensions.push_back({0xfe0d, Bytes{0x00, 0x00, 0x01, 0x00, 0x01}});
  seeds.push_back(test::single_record(ech));
  return seeds;
}

TEST(ClientHelloMutation, RandomFlipsAndTruncationsNeverCrash) {
  const std::vector<Bytes> seeds = seed_hellos();
  std::mt19937 random(20240611);
  auto below = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(random);
  };
  std::size_t counts[5] = {};
  for (int round = 0; round < 20000; ++round) {
    Bytes input = seeds[below(seeds.size())];
    const std::size_t flips = 1 + below(4);
    for (std::size_t i = 0; i < flips; ++i) {
      // Most of the structure is near the front; aim there half the time.
      const std::size_t limit =
          below(2) == 0 ? std::min<std::size_t>(input.size(), 64) : input.size();
      input[below(limit)] = static_cast<std::uint8_t>(below(256));
    }
    if (below(4) == 0) {
      input.resize(below(input.size() + 1));
    }
    const std::size_t max_bytes = below(3) == 0 ? below(input.size() + 16) : 64 * 1024;

    const PeekResult whole = parse_client_hello(input, max_bytes);
    ASSERT_TRUE(known_status(whole.status));
    ++counts[static_cast<int>(whole.status)];
    if (whole.status == PeekStatus::need_more) {
      ASSERT_GE(whole.bytes_needed_hint, 1u);
    } else if (whole.status == PeekStatus::client_hello) {
      ASSERT_TRUE(valid_sni(whole.hello.sni)) << whole.hello.sni;
    } else {
      ASSERT_FALSE(whole.error.empty());
      ASSERT_EQ(whole.hello, ClientHelloInfo{});
    }

    // A final answer on a prefix is the answer for everything after it too.
    const std::size_t cut = below(input.size() + 1);
    const PeekResult part =
        parse_client_hello(std::span<const std::uint8_t>(input.data(), cut), max_bytes);
    ASSERT_TRUE(known_status(part.status));
    if (part.status != PeekStatus::need_more) {
      ASSERT_EQ(part.status, whole.status) << "cut at " << cut << " of " << input.size();
      ASSERT_EQ(part.hello, whole.hello);
    }
  }
  // The mutations reach every outcome, so the run exercised more than the first check.
  for (const std::size_t count : counts) {
    EXPECT_GT(count, 0u);
  }
}

}  // namespace
}  // namespace proxy::tls

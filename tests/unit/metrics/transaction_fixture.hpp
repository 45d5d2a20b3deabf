#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/sdk/abi.h"
#include "proxy/sdk/types.hpp"

namespace proxy::plugins::metrics::testing {

// A proxy_transaction as the host would hand it to on_close, owning its strings.
struct TransactionFixture {
  std::string method = "GET";
  std::string target = "http://example.test/";
  std::string decided_by;
  std::uint32_t kind = PROXY_TRANSACTION_REQUEST;
  std::uint32_t status = 200;
  std::uint32_t verdict = PROXY_VERDICT_ALLOW;
  std::uint64_t bytes_client_to_upstream = 0;
  std::uint64_t bytes_upstream_to_client = 0;
  std::uint64_t duration_us = 0;
  std::uint32_t worker = 0;
  std::vector<std::pair<std::string, std::string>> attributes;

  proxy_conn_info conn{};
  proxy_transaction raw{};
  std::vector<proxy_header> attribute_views;

  // Valid while the fixture lives and is not changed.
  sdk::Transaction view() {
    conn = proxy_conn_info{};
    conn.size = sizeof(conn);
    conn.worker = worker;
    raw = proxy_transaction{};
    raw.size = sizeof(raw);
    raw.kind = kind;
    raw.conn = &conn;
    raw.method = sdk::to_str(method);
    raw.target = sdk::to_str(target);
    raw.status = status;
    raw.bytes_client_to_upstream = bytes_client_to_upstream;
    raw.bytes_upstream_to_client = bytes_upstream_to_client;
    raw.duration_us = duration_us;
    raw.verdict = verdict;
    raw.decided_by = sdk::to_str(decided_by);
    attribute_views.clear();
    for (const auto& [name, value] : attributes) {
      attribute_views.push_back({sdk::to_str(name), sdk::to_str(value)});
    }
    raw.attributes = attribute_views.data();
    raw.attribute_count = static_cast<std::uint32_t>(attribute_views.size());
    return sdk::Transaction(raw);
  }
};

}  // namespace proxy::plugins::metrics::testing

#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "proxy/sdk/abi.h"
#include "proxy/sdk/types.hpp"

namespace proxy::plugins::json_log::testing {

// Owns the strings and ABI structs an sdk::Transaction views, as the host would hand
// them to on_close. Defaults describe a plain request that was forwarded and answered.
struct TransactionFixture {
  std::uint32_t kind = PROXY_TRANSACTION_REQUEST;
  std::uint64_t conn_id = 42;
  std::string client_ip = "127.0.0.1";
  std::uint16_t client_port = 50123;
  std::string method = "GET";
  std::string host = "example.com";
  std::uint16_t port = 80;
  std::string target = "http://example.com/index.html";
  std::uint32_t status = 200;
  std::string sni;
  std::uint64_t bytes_in = 120;
  std::uint64_t bytes_out = 3400;
  std::int64_t start_unix_ms = 1795756447123;  // 2026-11-27T05:14:07.123Z
  std::uint64_t duration_us = 12345;
  std::uint32_t verdict = PROXY_VERDICT_ALLOW;
  std::string decided_by;
  std::string reason;
  std::optional<std::string> user;  // the "user" attribute; none when unset
  std::string peer_ip;              // the balancer, with PROXY protocol; empty without
  std::optional<std::string> upstream = "direct";  // "direct" or a parent; none: not tried

  // Valid while this fixture lives and is not changed.
  const sdk::Transaction& view() {
    conn_ = proxy_conn_info{};
    conn_.size = sizeof(conn_);
    conn_.id = conn_id;
    conn_.client_ip = sdk::to_str(client_ip);
    conn_.client_port = client_port;
    conn_.peer_ip = sdk::to_str(peer_ip);
    abi_ = proxy_transaction{};
    abi_.size = sizeof(abi_);
    abi_.kind = kind;
    abi_.conn = &conn_;
    abi_.method = sdk::to_str(method);
    abi_.host = sdk::to_str(host);
    abi_.port = port;
    abi_.target = sdk::to_str(target);
    abi_.status = status;
    abi_.sni = sdk::to_str(sni);
    abi_.bytes_client_to_upstream = bytes_in;
    abi_.bytes_upstream_to_client = bytes_out;
    abi_.start_unix_ms = start_unix_ms;
    abi_.duration_us = duration_us;
    abi_.verdict = verdict;
    abi_.decided_by = sdk::to_str(decided_by);
    abi_.reason = sdk::to_str(reason);
    if (user) {
      abi_.user = sdk::to_str(*user);
    }
    if (upstream) {
      abi_.upstream = sdk::to_str(*upstream);
    }
    transaction_.emplace(abi_);
    return *transaction_;
  }

 private:
  proxy_conn_info conn_{};
  proxy_transaction abi_{};
  std::optional<sdk::Transaction> transaction_;
};

}  // namespace proxy::plugins::json_log::testing

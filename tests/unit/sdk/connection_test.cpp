// What the C++ views read from proxy_conn_info, and that a field a newer minor appended
// reads as empty from a host that did not write it.
#include <gtest/gtest.h>

#include <cstddef>

#include "proxy/sdk/types.hpp"

namespace proxy::sdk {
namespace {

proxy_conn_info balanced_conn() {
  proxy_conn_info info{};
  info.size = sizeof(info);
  info.client_ip = to_str("192.0.2.1");
  info.client_key = to_str("192.0.2.1");
  info.peer_ip = to_str("10.0.0.5");
  return info;
}

TEST(ConnectionView, PeerIpIsTheBalancerWithProxyProtocol) {
  const proxy_conn_info info = balanced_conn();
  const Connection conn(info, nullptr, nullptr);
  EXPECT_EQ(conn.client_ip(), "192.0.2.1");
  EXPECT_EQ(conn.peer_ip(), "10.0.0.5");
  proxy_transaction t{};
  t.size = sizeof(t);
  t.conn = &info;
  EXPECT_EQ(Transaction(t).peer_ip(), "10.0.0.5");
}

TEST(ConnectionView, PeerIpIsEmptyWithoutProxyProtocol) {
  proxy_conn_info info = balanced_conn();
  info.peer_ip = {};
  EXPECT_TRUE(Connection(info, nullptr, nullptr).peer_ip().empty());
}

TEST(ConnectionView, AHostBeforeAbi13HasNoPeerIp) {
  proxy_conn_info info = balanced_conn();
  info.size = offsetof(proxy_conn_info, peer_ip);  // what a 1.2 host writes
  const Connection conn(info, nullptr, nullptr);
  EXPECT_TRUE(conn.peer_ip().empty());
  EXPECT_EQ(conn.client_key(), "192.0.2.1");
  proxy_transaction t{};
  t.size = sizeof(t);
  t.conn = &info;
  EXPECT_TRUE(Transaction(t).peer_ip().empty());
}

}  // namespace
}  // namespace proxy::sdk

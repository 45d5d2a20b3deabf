#include "connection/upgrade_offer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using proxy::core::accepts_switch;
using proxy::core::client_response_head;
using proxy::core::offered_upgrade;
using proxy::core::received_head;
using proxy::core::ResponseHeadOptions;
using proxy::core::upstream_request_head;
using proxy::host::HeaderList;

const std::vector<std::string> websocket_only = {"websocket"};

std::string offer(const HeaderList& fields, const std::vector<std::string>& allowed) {
  return offered_upgrade(fields, received_head(fields, PROXY_BODY_NONE, 0), allowed);
}

TEST(OfferedUpgrade, PassesTheListedProtocolsOnly) {
  EXPECT_EQ(offer({{"Connection", "Upgrade"}, {"Upgrade", "websocket"}}, websocket_only),
            "websocket");
  EXPECT_EQ(offer({{"Connection", "keep-alive, upgrade"}, {"Upgrade", "h2c, WebSocket/13"}},
                  websocket_only),
            "WebSocket/13");
  EXPECT_EQ(offer({{"Connection", "upgrade"}, {"Upgrade", "h2c"}}, websocket_only), "");
  EXPECT_EQ(offer({{"Connection", "upgrade"}, {"Upgrade", "h2c, websocket"}}, {"h2c", "websocket"}),
            "h2c, websocket");
}

TEST(OfferedUpgrade, NeedsConnectionUpgradeAndAnAllowedList) {
  EXPECT_EQ(offer({{"Upgrade", "websocket"}}, websocket_only), "");  // not nominated
  EXPECT_EQ(offer({{"Connection", "close"}, {"Upgrade", "websocket"}}, websocket_only), "");
  EXPECT_EQ(offer({{"Connection", "upgrade"}, {"Upgrade", "websocket"}}, {}), "");
}

TEST(OfferedUpgrade, MalformedProtocolsAreDropped) {
  EXPECT_EQ(offer({{"Connection", "upgrade"}, {"Upgrade", "websocket/, web socket, websocket"}},
                  websocket_only),
            "websocket");
  EXPECT_EQ(offer({{"Connection", "upgrade"}, {"Upgrade", "websocket/1/2"}}, websocket_only), "");
}

TEST(AcceptsSwitch, OnlyOneOfferedProtocol) {
  EXPECT_TRUE(accepts_switch("websocket", "websocket"));
  EXPECT_TRUE(accepts_switch(" WebSocket ", "h2c, websocket/13"));
  EXPECT_FALSE(accepts_switch("h2c", "websocket"));
  EXPECT_FALSE(accepts_switch("websocket, h2c", "websocket, h2c"));
  EXPECT_FALSE(accepts_switch("", "websocket"));
  EXPECT_FALSE(accepts_switch("websocket", ""));  // nothing was offered
}

TEST(UpgradeHeads, TheProxyWritesUpgradeAndConnectionAgain) {
  const HeaderList fields = {{"Connection", "Upgrade"},
                             {"Upgrade", "websocket, h2c"},
                             {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  const auto received = received_head(fields, PROXY_BODY_NONE, 0);
  const std::string request =
      upstream_request_head("GET", "/chat", fields, received, "example.com", "websocket");
  EXPECT_NE(request.find("Connection: upgrade\r\nUpgrade: websocket\r\n"), std::string::npos)
      << request;
  EXPECT_EQ(request.find("h2c"), std::string::npos);
  EXPECT_NE(request.find("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), std::string::npos);
  EXPECT_EQ(upstream_request_head("GET", "/", fields, received, "example.com").find("Upgrade"),
            std::string::npos);

  const HeaderList answer = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
  const std::string response = client_response_head(101, "Switching Protocols", answer,
                                                    received_head(answer, PROXY_BODY_NONE, 0),
                                                    ResponseHeadOptions{false, false, "websocket"});
  EXPECT_EQ(response,
            "HTTP/1.1 101 Switching Protocols\r\nVia: 1.1 proxy-server\r\n"
            "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n");
}

}  // namespace

#include "connection/destination_policy.hpp"

#include <gtest/gtest.h>

namespace {

using proxy::core::DestinationPolicy;
using proxy::core::DestinationVerdict;
using proxy::core::LocalAddresses;
using proxy::core::SelfEndpoint;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

asio::ip::address ip(const char* text) {
  return asio::ip::make_address(text);
}

tcp::endpoint at(const char* address, unsigned short port) {
  return {ip(address), port};
}

struct DestinationPolicyTest : ::testing::Test {
  proxy::config::UpstreamConfig upstream;  // the shipped defaults
  LocalAddresses local;
  DestinationPolicy policy{upstream, local};
  asio::ip::address loopback_client = ip("127.0.0.1");
  asio::ip::address lan_client = ip("198.51.100.10");

  void listen_on(const char* address, unsigned short port) {
    policy.set_self(SelfEndpoint{ip(address), port});
  }
};

TEST_F(DestinationPolicyTest, EverySpellingOfTheProxyItselfIsALoop) {
  listen_on("127.0.0.1", 8888);
  for (const char* self : {"127.0.0.1", "127.1.2.3", "0.0.0.0", "0.1.2.3", "::ffff:127.0.0.1",
                           "::ffff:0.0.0.0", "::1", "::"}) {
    EXPECT_EQ(policy.check(loopback_client, at(self, 8888)), DestinationVerdict::self) << self;
  }
  EXPECT_NE(policy.check(loopback_client, at("127.0.0.1", 8889)), DestinationVerdict::self);
}

TEST_F(DestinationPolicyTest, AnInterfaceAddressIsSelfWhenListeningOnAll) {
  listen_on("0.0.0.0", 8888);
  // Whatever this host's addresses are, loopback is one of them.
  EXPECT_TRUE(local.contains(ip("127.0.0.1")));
  EXPECT_EQ(policy.check(lan_client, at("127.0.0.1", 8888)), DestinationVerdict::self);
  EXPECT_FALSE(local.contains(ip("198.51.100.99")));  // TEST-NET-2 is nobody's address
  EXPECT_EQ(policy.check(lan_client, at("198.51.100.99", 8888)), DestinationVerdict::allowed);
}

TEST_F(DestinationPolicyTest, ShippedDenyListCoversMetadataAndThisNetwork) {
  listen_on("127.0.0.1", 8888);
  for (const char* denied : {"169.254.169.254", "::ffff:169.254.169.254", "100.100.100.200",
                             "fd00:ec2::254", "fe80::1", "0.0.0.0"}) {
    EXPECT_EQ(policy.check(loopback_client, at(denied, 80)), DestinationVerdict::denied) << denied;
  }
  EXPECT_EQ(policy.check(loopback_client, at("100.100.100.201", 80)), DestinationVerdict::allowed);
}

TEST_F(DestinationPolicyTest, OnlyLoopbackClientsReachLocalDestinationsByDefault) {
  listen_on("198.51.100.1", 3128);
  for (const char* local_address : {"127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1", "::"}) {
    EXPECT_EQ(policy.check(loopback_client, at(local_address, 5432)), DestinationVerdict::allowed)
        << local_address;
    EXPECT_EQ(policy.check(ip("::ffff:127.0.0.1"), at(local_address, 5432)),
              DestinationVerdict::allowed)
        << local_address;
    EXPECT_EQ(policy.check(lan_client, at(local_address, 5432)), DestinationVerdict::local)
        << local_address;
  }
  EXPECT_EQ(policy.check(lan_client, at("198.51.100.77", 80)), DestinationVerdict::allowed);
}

TEST_F(DestinationPolicyTest, AnyAndNoneAreWhatTheySay) {
  listen_on("127.0.0.1", 8888);
  upstream.local_destinations = proxy::config::LocalDestinations::any;
  EXPECT_EQ(policy.check(lan_client, at("127.0.0.1", 22)), DestinationVerdict::allowed);
  EXPECT_EQ(policy.check(lan_client, at("127.0.0.1", 8888)), DestinationVerdict::self);
  upstream.local_destinations = proxy::config::LocalDestinations::none;
  EXPECT_EQ(policy.check(loopback_client, at("127.0.0.1", 22)), DestinationVerdict::local);
  EXPECT_EQ(policy.check(loopback_client, at("198.51.100.77", 80)), DestinationVerdict::allowed);
}

}  // namespace

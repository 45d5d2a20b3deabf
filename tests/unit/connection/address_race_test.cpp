#include "connection/address_race.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <vector>

namespace {

using namespace std::chrono_literals;
using proxy::core::race_connect;
using proxy::core::RaceOutcome;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Real loopback endpoints of three kinds: one that accepts, one where nothing listens
// (refused at once), and one whose accept queue is full, so a connect to it hangs the
// way a packet-dropping route does.
struct AddressRaceTest : ::testing::Test {
  asio::io_context io;
  tcp::acceptor accepting{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::vector<std::unique_ptr<tcp::acceptor>> full_acceptors;
  std::vector<std::unique_ptr<tcp::socket>> queue_fillers;

  tcp::endpoint accepts() const { return accepting.local_endpoint(); }

  tcp::endpoint refuses() {
    tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const tcp::endpoint free = probe.local_endpoint();
    probe.close();
    return free;
  }

  tcp::endpoint hangs(const char* address = "127.0.0.2") {
    auto acceptor = std::make_unique<tcp::acceptor>(io);
    const tcp::endpoint where(asio::ip::make_address(address), 0);
    acceptor->open(where.protocol());
    acceptor->bind(where);
    acceptor->listen(0);  // one connection fills the queue; later SYNs are dropped
    auto filler = std::make_unique<tcp::socket>(io);
    filler->connect(acceptor->local_endpoint());
    const tcp::endpoint endpoint = acceptor->local_endpoint();
    full_acceptors.push_back(std::move(acceptor));
    queue_fillers.push_back(std::move(filler));
    return endpoint;
  }

  RaceOutcome race(std::vector<tcp::endpoint> candidates, std::chrono::milliseconds stagger,
                   std::chrono::milliseconds timeout) {
    std::optional<RaceOutcome> outcome;
    asio::co_spawn(io, race_connect(std::move(candidates), stagger, Clock::now() + timeout),
                   [&](const std::exception_ptr&, RaceOutcome o) { outcome = std::move(o); });
    io.run_for(timeout + 5s);
    io.restart();
    EXPECT_TRUE(outcome.has_value()) << "the race never finished";
    return outcome ? std::move(*outcome) : RaceOutcome{};
  }
};

TEST_F(AddressRaceTest, AHangingAddressLosesToTheNextOneAfterTheStagger) {
  const auto started = Clock::now();
  RaceOutcome outcome = race({hangs(), accepts()}, 100ms, 5s);
  const auto took = Clock::now() - started;
  ASSERT_TRUE(outcome.socket.has_value());
  EXPECT_EQ(outcome.socket->remote_endpoint(), accepts());
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 2s);
}

TEST_F(AddressRaceTest, ARefusedAddressStartsTheNextAtOnce) {
  const auto started = Clock::now();
  RaceOutcome outcome = race({refuses(), accepts()}, 3s, 10s);
  ASSERT_TRUE(outcome.socket.has_value());
  EXPECT_EQ(outcome.socket->remote_endpoint(), accepts());
  EXPECT_LT(Clock::now() - started, 1s);  // not after the 3 s stagger
}

TEST_F(AddressRaceTest, TheFirstAddressWinsWithoutWaitingWhenItAnswers) {
  const auto started = Clock::now();
  RaceOutcome outcome = race({accepts(), hangs()}, 3s, 10s);
  ASSERT_TRUE(outcome.socket.has_value());
  EXPECT_EQ(outcome.socket->remote_endpoint(), accepts());
  EXPECT_LT(Clock::now() - started, 1s);
}

TEST_F(AddressRaceTest, TheDeadlineBoundsTheWholeRace) {
  const auto started = Clock::now();
  RaceOutcome outcome = race({hangs(), hangs("127.0.0.3")}, 50ms, 300ms);
  const auto took = Clock::now() - started;
  EXPECT_FALSE(outcome.socket.has_value());
  EXPECT_TRUE(outcome.timed_out);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2s);
}

TEST_F(AddressRaceTest, WhenEveryAddressFailsTheLastErrorIsReported) {
  RaceOutcome outcome = race({refuses(), refuses()}, 1s, 5s);
  EXPECT_FALSE(outcome.socket.has_value());
  EXPECT_FALSE(outcome.timed_out);
  EXPECT_EQ(outcome.error, asio::error::connection_refused);
}

TEST_F(AddressRaceTest, IPv6AndIPv4RaceTheSameWay) {
  const auto started = Clock::now();
  RaceOutcome outcome = race({hangs("::1"), accepts()}, 100ms, 5s);
  ASSERT_TRUE(outcome.socket.has_value());
  EXPECT_EQ(outcome.socket->remote_endpoint(), accepts());
  EXPECT_LT(Clock::now() - started, 2s);
}

TEST_F(AddressRaceTest, NoCandidateIsAnErrorNotAWait) {
  RaceOutcome outcome = race({}, 1s, 5s);
  EXPECT_FALSE(outcome.socket.has_value());
  EXPECT_FALSE(outcome.timed_out);
}

}  // namespace

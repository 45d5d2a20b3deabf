#include "connection/timed_socket.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

namespace {

using namespace std::chrono_literals;
using proxy::core::Clock;
using proxy::core::Deadline;
using proxy::core::IoStatus;
using proxy::core::TimedSocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A connected pair on loopback: `near` under test, `far` the peer the test drives.
struct TimedSocketTest : ::testing::Test {
  asio::io_context io;
  std::optional<TimedSocket> near;
  tcp::socket far{io};

  void SetUp() override {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    far = acceptor.accept();
    near.emplace(std::move(client));
  }

  // Runs `operation` to completion, calling check_deadline as the tracker's tick would.
  IoStatus run(asio::awaitable<IoStatus> operation) {
    std::optional<IoStatus> status;
    asio::co_spawn(io, std::move(operation),
                   [&](const std::exception_ptr&, IoStatus s) { status = s; });
    const auto give_up = Clock::now() + 5s;
    while (!status && Clock::now() < give_up) {
      io.run_for(5ms);
      near->check_deadline(Clock::now());
    }
    io.restart();
    EXPECT_TRUE(status.has_value()) << "the operation never finished";
    return status.value_or(IoStatus::failed);
  }
};

TEST_F(TimedSocketTest, AReadPastItsDeadlineEndsAsTimedOut) {
  std::string buffer;
  const Deadline deadline = Deadline::after(30ms);
  const auto started = Clock::now();
  EXPECT_EQ(run(near->read_some(buffer, 1024, deadline)), IoStatus::timed_out);
  EXPECT_GE(Clock::now() - started, 30ms);
  EXPECT_TRUE(buffer.empty());
}

TEST_F(TimedSocketTest, AReadAppendsWhatCameAndReportsTheEndOfStream) {
  std::string buffer = "kept ";
  asio::write(far, asio::buffer(std::string_view("bytes")));
  const Deadline deadline = Deadline::after(1s);
  EXPECT_EQ(run(near->read_some(buffer, 1024, deadline)), IoStatus::ok);
  EXPECT_EQ(buffer, "kept bytes");
  far.shutdown(tcp::socket::shutdown_send);
  EXPECT_EQ(run(near->read_some(buffer, 1024, deadline)), IoStatus::closed);
}

TEST_F(TimedSocketTest, AnOperationThatStartsLateEndsAtOnce) {
  std::string buffer;
  Deadline deadline = Deadline::after(1s);
  deadline.end();
  asio::write(far, asio::buffer(std::string_view("ready")));  // even with bytes waiting
  EXPECT_EQ(run(near->read_some(buffer, 1024, deadline)), IoStatus::timed_out);
  EXPECT_EQ(run(near->write("x", deadline)), IoStatus::timed_out);
}

TEST_F(TimedSocketTest, AnEndedDeadlineIsNotMovedAgain) {
  Deadline deadline = Deadline::after(1s);
  deadline.end();
  deadline.extend(1h);
  EXPECT_LE(deadline.at(), Clock::now());
}

TEST_F(TimedSocketTest, ASharedDeadlineMovedByActivityKeepsTheReadAlive) {
  // A tunnel's directions share one deadline: bytes moving the other way keep this
  // read alive past its first expiry.
  Deadline activity = Deadline::after(60ms);
  std::string buffer;
  std::optional<IoStatus> status;
  asio::co_spawn(io, near->read_some(buffer, 1024, activity),
                 [&](const std::exception_ptr&, IoStatus s) { status = s; });
  const auto until = Clock::now() + 200ms;
  while (Clock::now() < until) {
    activity.extend(60ms);
    io.run_for(5ms);
    near->check_deadline(Clock::now());
  }
  EXPECT_FALSE(status.has_value()) << "a read under a deadline kept moving ended";
  asio::write(far, asio::buffer(std::string_view("late")));
  while (!status) {
    io.run_for(5ms);
  }
  EXPECT_EQ(*status, IoStatus::ok);
  EXPECT_EQ(buffer, "late");
}

TEST_F(TimedSocketTest, ACancelledReadFailsRatherThanTimesOut) {
  std::string buffer;
  const Deadline deadline = Deadline::after(1s);
  asio::steady_timer later(io, 20ms);  // once the read waits
  later.async_wait([this](const boost::system::error_code&) { near->cancel(); });
  EXPECT_EQ(run(near->read_some(buffer, 1024, deadline)), IoStatus::failed);
}

}  // namespace

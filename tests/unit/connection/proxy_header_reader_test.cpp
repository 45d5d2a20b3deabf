#include "connection/proxy_header_reader.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <thread>

namespace {

using namespace std::chrono_literals;
using proxy::core::Clock;
using proxy::core::Deadline;
using proxy::core::IoStatus;
using proxy::core::ProxyHeaderRead;
using proxy::core::read_proxy_header;
using proxy::core::TimedSocket;
using proxy::proxy_protocol::HeaderStatus;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

const std::string request = "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n";

// A connected pair on loopback: `near` reads the header, `far` is the balancer.
struct ProxyHeaderReaderTest : ::testing::Test {
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

  void send(std::string_view bytes) { asio::write(far, asio::buffer(bytes)); }

  // Runs the read to completion, checking deadlines as the session tracker's tick would;
  // `meanwhile` runs on this thread once the read is waiting (to send more bytes later).
  ProxyHeaderRead read(std::chrono::milliseconds timeout,
                       const std::function<void()>& meanwhile = {}) {
    const Deadline deadline = Deadline::after(timeout);
    std::optional<ProxyHeaderRead> result;
    asio::co_spawn(io, read_proxy_header(*near, deadline),
                   [&](const std::exception_ptr&, ProxyHeaderRead r) { result = r; });
    io.run_for(5ms);
    if (meanwhile) {
      meanwhile();
    }
    const auto give_up = Clock::now() + 5s;
    while (!result && Clock::now() < give_up) {
      io.run_for(5ms);
      near->check_deadline(Clock::now());
    }
    io.restart();
    EXPECT_TRUE(result.has_value()) << "the read never finished";
    return result.value_or(ProxyHeaderRead{IoStatus::failed, {}});
  }

  // What is still in the socket after the header was read.
  std::string rest_of_stream() {
    far.shutdown(tcp::socket::shutdown_send);
    near->socket().non_blocking(false);
    std::string rest;
    boost::system::error_code ec;
    char chunk[4096];
    for (;;) {
      const std::size_t n = near->socket().read_some(asio::buffer(chunk), ec);
      if (ec) {
        break;
      }
      rest.append(chunk, n);
    }
    return rest;
  }
};

TEST_F(ProxyHeaderReaderTest, Version1SentWithTheRequestLeavesTheRequestInTheSocket) {
  const std::string header = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
  send(header + request);
  const ProxyHeaderRead result = read(1s);
  ASSERT_EQ(result.io, IoStatus::ok);
  ASSERT_EQ(result.header.status, HeaderStatus::done) << result.header.error;
  EXPECT_EQ(result.header.bytes, header.size());
  ASSERT_TRUE(result.header.proxied);
  EXPECT_EQ(result.header.proxied->source.port, 56324);
  EXPECT_EQ(rest_of_stream(), request);
}

TEST_F(ProxyHeaderReaderTest, Version2SentWithTheRequestLeavesTheRequestInTheSocket) {
  std::string header("\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0f", 16);
  header += std::string("\xc0\x00\x02\x01\xc6\x33\x64\x02\xdc\x04\x01\xbb", 12);
  header += std::string("\x04\x00\x00", 3);  // a NOOP TLV
  send(header + request);
  const ProxyHeaderRead result = read(1s);
  ASSERT_EQ(result.io, IoStatus::ok);
  ASSERT_EQ(result.header.status, HeaderStatus::done) << result.header.error;
  ASSERT_TRUE(result.header.proxied);
  EXPECT_EQ(result.header.proxied->source.address[0], 192);
  EXPECT_EQ(rest_of_stream(), request);
}

TEST_F(ProxyHeaderReaderTest, AHeaderInPiecesIsWaitedFor) {
  send("PROXY TCP6 2001:d");
  const ProxyHeaderRead result = read(2s, [&] {
    std::this_thread::sleep_for(20ms);
    send("b8::1 2001:db8::2 4000 8");
    std::this_thread::sleep_for(20ms);
    send("080\r");
    std::this_thread::sleep_for(20ms);
    send("\n" + request);
  });
  ASSERT_EQ(result.io, IoStatus::ok);
  ASSERT_EQ(result.header.status, HeaderStatus::done) << result.header.error;
  EXPECT_EQ(result.header.proxied->destination.port, 8080);
  EXPECT_EQ(rest_of_stream(), request);
}

TEST_F(ProxyHeaderReaderTest, AHeaderThatDoesNotCompleteInTimeTimesOut) {
  send("PROXY TCP4 192.0.2.1 ");
  const auto started = Clock::now();
  const ProxyHeaderRead result = read(100ms);
  EXPECT_EQ(result.io, IoStatus::timed_out);
  EXPECT_GE(Clock::now() - started, 100ms);
}

TEST_F(ProxyHeaderReaderTest, APeerThatClosesMidHeaderIsSeenAsClosed) {
  send(std::string("\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00", 18));
  far.shutdown(tcp::socket::shutdown_send);
  const ProxyHeaderRead result = read(1s);
  EXPECT_EQ(result.io, IoStatus::closed);
  EXPECT_EQ(result.header.status, HeaderStatus::need_more);
}

TEST_F(ProxyHeaderReaderTest, AClientThatSendsNoHeaderIsRefusedWithoutWaiting) {
  send(request);
  const auto started = Clock::now();
  const ProxyHeaderRead result = read(5s);
  EXPECT_EQ(result.io, IoStatus::ok);
  EXPECT_EQ(result.header.status, HeaderStatus::invalid);
  EXPECT_LT(Clock::now() - started, 1s);
}

}  // namespace

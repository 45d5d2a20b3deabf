#include "app/service_notifier.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "temp_dir.hpp"

namespace proxy::app {
namespace {

TEST(ServiceNotifierMessages, AreWhatSystemdReads) {
  EXPECT_STREQ(ready_message, "READY=1");
  EXPECT_STREQ(stopping_message, "STOPPING=1");
  EXPECT_EQ(reloading_message(0), "RELOADING=1\nMONOTONIC_USEC=0");
  EXPECT_EQ(reloading_message(1234567890123), "RELOADING=1\nMONOTONIC_USEC=1234567890123");
}

TEST(ServiceNotifierMessages, MonotonicClockInMicroseconds) {
  const std::uint64_t before = monotonic_usec();
  ::usleep(20'000);
  const std::uint64_t after = monotonic_usec();
  EXPECT_GE(after - before, 20'000U);
  EXPECT_LT(after - before, 5'000'000U);
}

// A datagram socket standing in for systemd's notify socket, named by NOTIFY_SOCKET for
// the test's duration.
class NotifySocket : public test_support::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    const std::string path = (dir_ / "notify").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    ASSERT_LT(path.size(), sizeof(address.sun_path));
    path.copy(address.sun_path, path.size());
    ASSERT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(::setenv("NOTIFY_SOCKET", path.c_str(), 1), 0);
  }

  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    if (fd_ >= 0) {
      ::close(fd_);
    }
    TempDirTest::TearDown();
  }

  // The next datagram, or nullopt when none is waiting.
  std::optional<std::string> next_message() const {
    char buffer[512];
    const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (got < 0) {
      return std::nullopt;
    }
    return std::string(buffer, static_cast<std::size_t>(got));
  }

  int fd_ = -1;
};

TEST_F(NotifySocket, ReadyAndStoppingReachTheSocket) {
  notify_ready();
  EXPECT_EQ(next_message(), "READY=1");
  notify_stopping();
  EXPECT_EQ(next_message(), "STOPPING=1");
  EXPECT_EQ(next_message(), std::nullopt);
}

TEST_F(NotifySocket, AReloadIsBracketedByReloadingAndReady) {
  const std::uint64_t before = monotonic_usec();
  {
    notify_reloading();
    const auto reloading = next_message();
    ASSERT_TRUE(reloading.has_value());
    const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
    ASSERT_EQ(reloading->rfind(prefix, 0), 0U) << *reloading;
    const std::uint64_t stamp = std::stoull(reloading->substr(prefix.size()));
    EXPECT_GE(stamp, before);
    EXPECT_LE(stamp, monotonic_usec());
    EXPECT_EQ(next_message(), std::nullopt) << "READY=1 only once the reload is over";
  }
  notify_ready();
  EXPECT_EQ(next_message(), "READY=1");
}

TEST_F(NotifySocket, NothingIsSentWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  notify_ready();
  notify_stopping();
  notify_reloading();
  EXPECT_EQ(next_message(), std::nullopt);
}

}  // namespace
}  // namespace proxy::app

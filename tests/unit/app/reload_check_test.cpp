#include "app/reload_check.hpp"

#include <gtest/gtest.h>

namespace proxy::app {
namespace {

TEST(ReloadCheck, NothingThatNeedsARestartChanged) {
  config::Config running;
  config::Config next;
  next.server.max_connections_per_ip = 3;
  next.server.shutdown_delay = std::chrono::seconds(2);
  next.timeouts.idle = std::chrono::seconds(1);
  next.plugins.enabled = {"http_parser", "metrics"};
  next.logging.level = "debug";
  EXPECT_EQ(restart_needed(running, next), "");
}

TEST(ReloadCheck, NamesTheKeyAndBothValues) {
  config::Config running;
  config::Config next;
  next.server.port = 9090;
  EXPECT_EQ(restart_needed(running, next), "server.port: 8888 -> 9090 needs a restart");
  next = running;
  next.server.listen = "0.0.0.0";
  EXPECT_EQ(restart_needed(running, next), "server.listen: 127.0.0.1 -> 0.0.0.0 needs a restart");
  next = running;
  next.server.workers = 4;
  EXPECT_EQ(restart_needed(running, next), "server.workers: 0 -> 4 needs a restart");
  next = running;
  next.server.max_connections = 5;
  EXPECT_EQ(restart_needed(running, next), "server.max_connections: 10000 -> 5 needs a restart");
}

TEST(ReloadCheck, AnyChangeOfUpstreamDnsNeedsARestart) {
  config::Config running;
  config::Config next;
  next.upstream.dns.servers = {config::DnsServer{"127.0.0.1", 5353}};
  const std::string why = restart_needed(running, next);
  EXPECT_EQ(why.rfind("upstream.dns: ", 0), 0U) << why;
  EXPECT_NE(why.find("127.0.0.1:5353"), std::string::npos) << why;
  EXPECT_NE(why.find("needs a restart"), std::string::npos) << why;
  next = running;
  next.upstream.dns.timeout = std::chrono::milliseconds(100);
  EXPECT_NE(restart_needed(running, next), "");
}

}  // namespace
}  // namespace proxy::app

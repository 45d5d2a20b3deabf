#include "connection/core_routes.hpp"

#include <gtest/gtest.h>

namespace proxy::core {
namespace {

TEST(CoreRoutes, HealthIsOkWhateverTheShutdownState) {
  for (const bool shutdown_begun : {false, true}) {
    const auto reply = core_route("GET", "/_health", shutdown_begun);
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "ok\n");
    EXPECT_EQ(reply->headers.get("Cache-Control"), "no-store");
  }
}

TEST(CoreRoutes, ReadyTurns503OnceShutdownBegan) {
  const auto serving = core_route("GET", "/_ready", false);
  ASSERT_TRUE(serving.has_value());
  EXPECT_EQ(serving->status, 200);
  EXPECT_EQ(serving->body, "ready\n");
  const auto stopping = core_route("GET", "/_ready", true);
  ASSERT_TRUE(stopping.has_value());
  EXPECT_EQ(stopping->status, 503);
  EXPECT_EQ(stopping->body, "shutting down\n");
}

TEST(CoreRoutes, HeadLikeGetOtherMethods405) {
  EXPECT_EQ(core_route("HEAD", "/_ready", true)->status, 503);
  EXPECT_EQ(core_route("HEAD", "/_health", false)->status, 200);
  const auto refused = core_route("POST", "/_health", false);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 405);
  EXPECT_EQ(refused->headers.get("Allow"), "GET, HEAD");
}

TEST(CoreRoutes, OtherPathsAreLeftToPlugins) {
  EXPECT_FALSE(core_route("GET", "/_metrics", false).has_value());
  EXPECT_FALSE(core_route("GET", "/_health/", false).has_value());
  EXPECT_FALSE(core_route("GET", "/_READY", false).has_value());
  EXPECT_FALSE(core_route("GET", "/", false).has_value());
}

}  // namespace
}  // namespace proxy::core

#include "connection/request_target.hpp"

#include <gtest/gtest.h>

namespace {

using proxy::core::parse_request_target;
using Form = proxy::core::RequestTarget::Form;

TEST(RequestTarget, AbsoluteFormWithPortAndQuery) {
  const auto target = parse_request_target("GET", "http://Example.COM:8080/a/b?x=1#frag");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->form, Form::absolute);
  EXPECT_EQ(target->host, "example.com");
  EXPECT_EQ(target->port, 8080);
  EXPECT_EQ(target->path, "/a/b?x=1");
}

TEST(RequestTarget, AbsoluteFormDefaultsToPort80AndSlash) {
  const auto target = parse_request_target("GET", "http://example.com");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->port, 80);
  EXPECT_EQ(target->path, "/");
  const auto query_only = parse_request_target("GET", "HTTP://example.com?q");
  ASSERT_TRUE(query_only);
  EXPECT_EQ(query_only->path, "/?q");
}

TEST(RequestTarget, Ipv6Literals) {
  const auto absolute = parse_request_target("GET", "http://[::1]:8080/");
  ASSERT_TRUE(absolute);
  EXPECT_EQ(absolute->host, "::1");
  EXPECT_EQ(absolute->port, 8080);
  const auto connect = parse_request_target("CONNECT", "[2001:db8::1]:443");
  ASSERT_TRUE(connect);
  EXPECT_EQ(connect->host, "2001:db8::1");
  EXPECT_EQ(connect->port, 443);
}

TEST(RequestTarget, ConnectNeedsHostAndPort) {
  const auto target = parse_request_target("CONNECT", "example.com:443");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->form, Form::authority);
  EXPECT_FALSE(parse_request_target("CONNECT", "example.com"));
  EXPECT_FALSE(parse_request_target("CONNECT", ":443"));
  EXPECT_FALSE(parse_request_target("CONNECT", "example.com:0"));
  EXPECT_FALSE(parse_request_target("CONNECT", "example.com:65536"));
  EXPECT_FALSE(parse_request_target("CONNECT", "example.com:44x"));
}

TEST(RequestTarget, OriginFormIsForTheProxyItself) {
  const auto target = parse_request_target("GET", "/_metrics?x");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->form, Form::origin);
  EXPECT_EQ(target->path, "/_metrics?x");
}

TEST(RequestTarget, RefusesWhatItCannotForward) {
  EXPECT_FALSE(parse_request_target("GET", "https://example.com/"));
  EXPECT_FALSE(parse_request_target("GET", "ftp://example.com/"));
  EXPECT_FALSE(parse_request_target("GET", "http://user:pw@example.com/"));
  EXPECT_FALSE(parse_request_target("GET", "http://exa mple.com/"));
  EXPECT_FALSE(parse_request_target("GET", "http:///path"));
  EXPECT_FALSE(parse_request_target("GET", "*"));
}

}  // namespace

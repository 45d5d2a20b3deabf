#include "plugin_host/header_list.hpp"

#include <gtest/gtest.h>

#include <string>

#include "plugin_host/host_api.hpp"

namespace proxy::host {
namespace {

std::string dump(const HeaderList& headers) {
  std::string out;
  for (const auto& [name, value] : headers.fields()) {
    out += name + ": " + value + "\n";
  }
  return out;
}

HeaderList sample() {
  HeaderList headers;
  EXPECT_TRUE(headers.add("Host", "example.com"));
  EXPECT_TRUE(headers.add("Accept", "a"));
  EXPECT_TRUE(headers.add("X-Trace", "1"));
  EXPECT_TRUE(headers.add("accept", "b"));
  return headers;
}

TEST(HeaderList, GetIsCaseInsensitiveAndReturnsTheFirstValue) {
  const HeaderList headers = sample();
  EXPECT_EQ(headers.get("ACCEPT"), "a");
  EXPECT_EQ(headers.count("Accept"), 2U);
  EXPECT_FALSE(headers.get("Missing").has_value());
}

TEST(HeaderList, SetReplacesEveryFieldAtTheFirstPosition) {
  HeaderList headers = sample();
  ASSERT_TRUE(headers.set("ACCEPT", "c"));
  EXPECT_EQ(dump(headers), "Host: example.com\nACCEPT: c\nX-Trace: 1\n");
  ASSERT_TRUE(headers.set("New", "v"));
  EXPECT_EQ(headers.fields().back().name, "New");
}

TEST(HeaderList, RemoveDropsEveryMatchAndAcceptsAnAbsentName) {
  HeaderList headers = sample();
  EXPECT_TRUE(headers.remove("accept"));
  EXPECT_EQ(dump(headers), "Host: example.com\nX-Trace: 1\n");
  EXPECT_TRUE(headers.remove("Absent"));
  EXPECT_EQ(headers.size(), 2U);
}

TEST(HeaderList, InvalidFieldsAreRefusedWithoutChange) {
  HeaderList headers = sample();
  const std::string before = dump(headers);
  for (const std::string name : {"", "Bad Name", "a:b", "x\r\n", "caf\xc3\xa9", "(x)"}) {
    EXPECT_FALSE(headers.set(name, "v")) << name;
    EXPECT_FALSE(headers.add(name, "v")) << name;
    EXPECT_FALSE(headers.remove(name)) << name;
  }
  for (const std::string& value : {std::string("a\r\nInjected: 1"), std::string("a\nb"),
                                   std::string("a\rb"), std::string("a\0b", 3)}) {
    EXPECT_FALSE(headers.set("Accept", value));
    EXPECT_FALSE(headers.add("Accept", value));
  }
  EXPECT_EQ(dump(headers), before);
}

TEST(HeaderList, TokenCharactersAndTabsAreValid) {
  EXPECT_TRUE(valid_header_name("X-!#$%&'*+-.^_`|~09az"));
  EXPECT_TRUE(valid_header_value("a\tb \x80 ok"));
  EXPECT_TRUE(valid_header_value(""));
}

TEST(HeaderList, ViewsPointAtTheFields) {
  const HeaderList headers = sample();
  const auto views = header_views(headers);
  ASSERT_EQ(views.size(), headers.size());
  EXPECT_EQ(std::string(views[2].name.ptr, views[2].name.len), "X-Trace");
  EXPECT_EQ(std::string(views[2].value.ptr, views[2].value.len), "1");
}

TEST(HeaderList, HostCallbacksEditThroughTheHandle) {
  HostContext context("edits", {});
  const proxy_host_api* api = context.api();
  HeaderList headers = sample();
  proxy_headers handle{&headers};
  auto str = [](const char* s) { return proxy_str{s, std::char_traits<char>::length(s)}; };

  EXPECT_EQ(api->header_set(&handle, str("Accept"), str("z")), 0);
  EXPECT_EQ(api->header_add(&handle, str("Via"), str("1.1 proxy")), 0);
  EXPECT_EQ(api->header_remove(&handle, str("x-trace")), 0);
  EXPECT_EQ(dump(headers), "Host: example.com\nAccept: z\nVia: 1.1 proxy\n");

  EXPECT_NE(api->header_set(&handle, str("Bad Name"), str("v")), 0);
  EXPECT_NE(api->header_add(&handle, str("X"), str("a\r\nb")), 0);
  EXPECT_NE(api->header_remove(&handle, str("")), 0);
  EXPECT_NE(api->header_set(nullptr, str("X"), str("v")), 0);
  EXPECT_EQ(dump(headers), "Host: example.com\nAccept: z\nVia: 1.1 proxy\n");
}

}  // namespace
}  // namespace proxy::host

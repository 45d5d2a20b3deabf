#include "plugin_host/header_list.hpp"

#include <gtest/gtest.h>

#include <string>

#include "plugin_host/abi_views.hpp"
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

std::string text(proxy_str s) {
  return {s.ptr, s.len};
}

// The SDK promises a hook's header views show the list as it received it, also after it
// edited the list: edits reallocate and overwrite the fields the views point into.
TEST(HeaderList, ViewsAHookHoldsSurviveItsOwnEdits) {
  HostContext context("edits", {});
  const proxy_host_api* api = context.api();
  RequestData request;
  const std::string long_value(64, 'v');  // heap-allocated: set() would overwrite it in place
  ASSERT_TRUE(request.headers.add("Host", "example.com"));
  ASSERT_TRUE(request.headers.add("X-Long", long_value));
  ASSERT_TRUE(request.headers.add("Te", "x"));  // short: lives inside the field object
  RequestView view(request, true);
  const proxy_request* abi = view.refresh();
  auto str = [](const std::string& s) { return proxy_str{s.data(), s.size()}; };

  ASSERT_EQ(api->header_set(abi->editable, str("X-Long"), str(std::string(64, 'w'))), 0);
  for (int i = 0; i < 64; ++i) {  // enough to reallocate the field vector several times
    ASSERT_EQ(api->header_add(abi->editable, str("X-Added-" + std::to_string(i)), str("1")), 0);
  }
  ASSERT_EQ(api->header_remove(abi->editable, str("Te")), 0);

  ASSERT_EQ(abi->header_count, 3U);
  EXPECT_EQ(text(abi->headers[0].name), "Host");
  EXPECT_EQ(text(abi->headers[1].value), long_value);
  EXPECT_EQ(text(abi->headers[2].name), "Te");
  EXPECT_EQ(text(abi->headers[2].value), "x");

  // The next hook's views show the edits.
  abi = view.refresh();
  ASSERT_EQ(abi->header_count, 2U + 64U);
  EXPECT_EQ(text(abi->headers[1].value), std::string(64, 'w'));
  EXPECT_EQ(text(abi->headers[2].name), "X-Added-0");
}

}  // namespace
}  // namespace proxy::host

// What a decision carries since ABI 1.2: a rejection's headers and the transaction
// attributes, checked against the bounds of abi.h before the core uses them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plugin_host/attribute_list.hpp"
#include "plugin_host/hook_decision.hpp"

namespace proxy::host {
namespace {

proxy_str str(const std::string& text) {
  return {text.data(), text.size()};
}

struct Fields {
  std::vector<std::string> strings;
  std::vector<proxy_header> views;
  Fields(std::initializer_list<std::pair<std::string, std::string>> fields) {
    strings.reserve(fields.size() * 2);
    for (const auto& [name, value] : fields) {
      strings.push_back(name);
      strings.push_back(value);
    }
    for (std::size_t i = 0; i < strings.size(); i += 2) {
      views.push_back({str(strings[i]), str(strings[i + 1])});
    }
  }
};

proxy_decision reject(int status, const Fields& headers, const Fields& attributes = {}) {
  proxy_decision out{};
  out.size = sizeof(out);
  out.verdict = PROXY_VERDICT_REJECT;
  out.status = static_cast<std::uint32_t>(status);
  out.headers = headers.views.data();
  out.header_count = static_cast<std::uint32_t>(headers.views.size());
  out.attributes = attributes.views.data();
  out.attribute_count = static_cast<std::uint32_t>(attributes.views.size());
  return out;
}

TEST(DecisionFields, AValidRejectionHeaderIsKeptAsWritten) {
  const Fields headers{{"Proxy-Authenticate", R"(Basic realm="proxy-server", charset="UTF-8")"}};
  const HookDecision decision = read_decision(reject(407, headers), "auth");
  ASSERT_EQ(decision.verdict, PROXY_VERDICT_REJECT);
  ASSERT_EQ(decision.headers.size(), 1U);
  EXPECT_EQ(decision.headers.get("proxy-authenticate"),
            R"(Basic realm="proxy-server", charset="UTF-8")");
}

TEST(DecisionFields, BadHeadersAreDroppedAndTheRejectionStands) {
  const Fields headers{{"Bad Name", "x"},
                       {"X-Split", "a\r\nInjected: 1"},
                       {"Content-Length", "0"},
                       {"transfer-encoding", "chunked"},
                       {"Connection", "keep-alive"},
                       {"X-Long", std::string(PROXY_DECISION_HEADER_BYTES, 'v')},
                       {"Allow", "GET, HEAD"}};
  const HookDecision decision = read_decision(reject(405, headers), "policy");
  EXPECT_EQ(decision.verdict, PROXY_VERDICT_REJECT);
  EXPECT_EQ(decision.status, 405);
  ASSERT_EQ(decision.headers.size(), 1U);
  EXPECT_EQ(decision.headers.get("Allow"), "GET, HEAD");
}

TEST(DecisionFields, NoMoreThanTheMaximumNumberOfHeaders) {
  Fields headers{};
  std::vector<std::string> names;
  for (int i = 0; i < PROXY_DECISION_HEADERS_MAX + 3; ++i) {
    names.push_back("X-H" + std::to_string(i));
  }
  const std::string value = "v";
  for (const auto& name : names) {
    headers.views.push_back({str(name), str(value)});
  }
  const HookDecision decision = read_decision(reject(403, headers), "p");
  EXPECT_EQ(decision.headers.size(), static_cast<std::size_t>(PROXY_DECISION_HEADERS_MAX));
}

TEST(DecisionFields, HeadersOnAnAllowAreIgnored) {
  const Fields headers{{"X-Ignored", "1"}};
  proxy_decision allow = reject(403, headers);
  allow.verdict = PROXY_VERDICT_ALLOW;
  EXPECT_TRUE(read_decision(allow, "p").headers.empty());
}

TEST(DecisionFields, AttributesFollowTheirRules) {
  const Fields attributes{{"user", "alice"},
                          {"User", "capitals are not allowed"},
                          {"", "empty name"},
                          {std::string(PROXY_ATTRIBUTE_NAME_MAX + 1, 'n'), "long name"},
                          {"note", std::string(PROXY_ATTRIBUTE_VALUE_MAX + 1, 'v')},
                          {"tab", "a\tb"},
                          {"group.id-2_x", "ok"}};
  proxy_decision allow = reject(403, {}, attributes);
  allow.verdict = PROXY_VERDICT_ALLOW;
  const HookDecision decision = read_decision(allow, "auth");
  ASSERT_EQ(decision.attributes.size(), 2U);
  EXPECT_EQ(decision.attributes[0].name, "user");
  EXPECT_EQ(decision.attributes[0].value, "alice");
  EXPECT_EQ(decision.attributes[1].name, "group.id-2_x");
}

TEST(DecisionFields, AnOlderPluginsShorterDecisionHasNeither) {
  const Fields headers{{"Allow", "GET"}};
  proxy_decision old = reject(405, headers, headers);
  old.size = offsetof(proxy_decision, headers);  // a 1.1 plugin's struct ends here
  const HookDecision decision = read_decision(old, "old");
  EXPECT_EQ(decision.status, 405);
  EXPECT_TRUE(decision.headers.empty());
  EXPECT_TRUE(decision.attributes.empty());
}

TEST(AttributeList, BoundedAndReplacedByName) {
  AttributeList list;
  EXPECT_TRUE(list.set("user", "alice"));
  EXPECT_TRUE(list.set("user", "bob"));  // replaced, not added
  EXPECT_EQ(list.get("user"), "bob");
  for (int i = 1; i < PROXY_ATTRIBUTES_MAX; ++i) {
    EXPECT_TRUE(list.set("a" + std::to_string(i), "v")) << i;
  }
  EXPECT_FALSE(list.set("one.too.many", "v"));
  EXPECT_TRUE(list.set("user", "carol"));  // replacing still works when full
  ASSERT_EQ(list.views().size(), static_cast<std::size_t>(PROXY_ATTRIBUTES_MAX));
  EXPECT_EQ(std::string(list.views()[0].value.ptr, list.views()[0].value.len), "carol");
  EXPECT_FALSE(list.set("bad name", "v"));
}

}  // namespace
}  // namespace proxy::host

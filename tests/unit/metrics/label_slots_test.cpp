#include "label_slots.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace proxy::plugins::metrics {
namespace {

TEST(LabelSlots, KnownMethodsHaveTheirOwnSlot) {
  std::set<std::size_t> slots;
  for (const auto method : known_methods) {
    const std::size_t slot = method_slot(method);
    EXPECT_LT(slot, method_other_slot);
    EXPECT_EQ(method_label(slot), method);
    slots.insert(slot);
  }
  EXPECT_EQ(slots.size(), known_methods.size());
}

TEST(LabelSlots, AnyOtherMethodIsOther) {
  const std::vector<std::string> others = {
      "get", "PROPFIND", "", "GET ", "BREW", std::string(5000, 'X'), std::string("G\0T", 3)};
  for (const auto& method : others) {
    EXPECT_EQ(method_slot(method), method_other_slot) << method;
  }
  EXPECT_EQ(method_label(method_other_slot), "OTHER");
}

TEST(LabelSlots, AuthFailureReasonsAreTheDocumentedOnesOrOther) {
  EXPECT_EQ(auth_failure_label(auth_failure_slot("invalid_credentials")), "invalid_credentials");
  EXPECT_EQ(auth_failure_label(auth_failure_slot("too_many_failures")), "too_many_failures");
  EXPECT_NE(auth_failure_slot("invalid_credentials"), auth_failure_slot("too_many_failures"));
  for (const std::string_view reason : {"", "INVALID_CREDENTIALS", "alice", "other"}) {
    EXPECT_EQ(auth_failure_label(auth_failure_slot(reason)), "other") << reason;
  }
}

TEST(LabelSlots, RateLimitResultsAndRedisErrorsAreTheDocumentedOnesOrOther) {
  for (const std::string_view result : {"allowed", "limited", "error_allowed", "error_denied"}) {
    EXPECT_EQ(rate_limit_result_label(rate_limit_result_slot(result)), result);
  }
  for (const std::string_view reason : {"timeout", "unavailable", "error_reply", "overloaded"}) {
    EXPECT_EQ(redis_error_label(redis_error_slot(reason)), reason);
  }
  for (const std::string_view odd : {"", "Allowed", "10.0.0.1", "other"}) {
    EXPECT_EQ(rate_limit_result_label(rate_limit_result_slot(odd)), "other") << odd;
    EXPECT_EQ(redis_error_label(redis_error_slot(odd)), "other") << odd;
  }
}

TEST(LabelSlots, CodesFrom100To599HaveTheirOwnSlot) {
  EXPECT_EQ(code_label(code_slot(100)), "100");
  EXPECT_EQ(code_label(code_slot(200)), "200");
  EXPECT_EQ(code_label(code_slot(431)), "431");
  EXPECT_EQ(code_label(code_slot(599)), "599");
  EXPECT_NE(code_slot(200), code_slot(201));
  for (const int status : {-1, 0, 99, 600, 999, 100000}) {
    EXPECT_EQ(code_slot(status), code_other_slot) << status;
  }
  EXPECT_EQ(code_label(code_other_slot), "other");
  EXPECT_EQ(code_slots, 501U);
}

}  // namespace
}  // namespace proxy::plugins::metrics

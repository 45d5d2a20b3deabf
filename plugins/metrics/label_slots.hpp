#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "proxy/sdk/abi.h"

// Fixed label sets for values that come from clients or origins, so no input can grow
// the number of time series: each label value maps to one slot of a fixed array.
namespace proxy::plugins::metrics {

// Methods with a label of their own (RFC 9110 and PATCH); any other method, including
// a lowercase spelling of these (methods are case-sensitive), counts as "OTHER".
inline constexpr std::array<std::string_view, 9> known_methods = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
inline constexpr std::size_t method_other_slot = known_methods.size();
inline constexpr std::size_t method_slots = known_methods.size() + 1;

std::size_t method_slot(std::string_view method);
std::string_view method_label(std::size_t slot);

// Status codes 100..599 have a slot each; anything else (an origin may send 999)
// counts as code="other".
inline constexpr int first_code = 100;
inline constexpr int last_code = 599;
inline constexpr std::size_t code_other_slot = last_code - first_code + 1;
inline constexpr std::size_t code_slots = code_other_slot + 1;

std::size_t code_slot(int status);
std::string code_label(std::size_t slot);

// Reasons of proxy_auth_failures_total, as abi.h defines them; a value no plugin
// documents counts as reason="other".
inline constexpr std::array<std::string_view, 2> known_auth_failures = {
    PROXY_AUTH_FAILURE_INVALID, PROXY_AUTH_FAILURE_THROTTLED};
inline constexpr std::size_t auth_failure_slots = known_auth_failures.size() + 1;

std::size_t auth_failure_slot(std::string_view reason);
std::string_view auth_failure_label(std::size_t slot);

// Results of proxy_rate_limit_decisions_total and reasons of proxy_redis_errors_total,
// as abi.h defines them; an undocumented value counts as "other".
inline constexpr std::array<std::string_view, 4> known_rate_limit_results = {
    PROXY_RATE_LIMIT_ALLOWED, PROXY_RATE_LIMIT_LIMITED, PROXY_RATE_LIMIT_ERROR_ALLOWED,
    PROXY_RATE_LIMIT_ERROR_DENIED};
inline constexpr std::size_t rate_limit_result_slots = known_rate_limit_results.size() + 1;
inline constexpr std::array<std::string_view, 4> known_redis_errors = {
    PROXY_RATE_LIMIT_ERROR_TIMEOUT, PROXY_RATE_LIMIT_ERROR_UNAVAILABLE,
    PROXY_RATE_LIMIT_ERROR_REPLY, PROXY_RATE_LIMIT_ERROR_OVERLOADED};
inline constexpr std::size_t redis_error_slots = known_redis_errors.size() + 1;

std::size_t rate_limit_result_slot(std::string_view result);
std::string_view rate_limit_result_label(std::size_t slot);
std::size_t redis_error_slot(std::string_view reason);
std::string_view redis_error_label(std::size_t slot);

}  // namespace proxy::plugins::metrics

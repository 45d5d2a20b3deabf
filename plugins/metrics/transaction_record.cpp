#include "transaction_record.hpp"

#include <charconv>

namespace proxy::plugins::metrics {
namespace {

using Verdict = sdk::Decision::Kind;

TransactionRecord::Kind kind_of(const sdk::Transaction& t) {
  switch (t.kind()) {
    case sdk::Transaction::Kind::tunnel:
      return TransactionRecord::Kind::tunnel;
    case sdk::Transaction::Kind::connection:
      return TransactionRecord::Kind::connection;
    case sdk::Transaction::Kind::request:
      break;
  }
  const std::string_view target = t.target();
  return !target.empty() && target.front() == '/' ? TransactionRecord::Kind::admin
                                                  : TransactionRecord::Kind::request;
}

bool is_blocked(const sdk::Transaction& t) {
  switch (t.verdict()) {
    case Verdict::reject:
    case Verdict::close:
      return true;
    case Verdict::failed:
    case Verdict::deferred:
      return false;
    case Verdict::allow:
      break;
  }
  // The core names itself when it refuses without a plugin verdict.
  return !t.decided_by().empty() && t.status() >= 400 && t.status() < 500;
}

std::optional<std::uint64_t> microseconds_in(std::optional<std::string_view> text) {
  std::uint64_t value = 0;
  if (!text || text->empty()) {
    return std::nullopt;
  }
  const char* end = text->data() + text->size();
  const auto [stop, error] = std::from_chars(text->data(), end, value);
  if (error != std::errc() || stop != end) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

TransactionRecord record_of(const sdk::Transaction& t) {
  TransactionRecord record;
  record.kind = kind_of(t);
  record.method = t.method();
  record.status = t.status();
  record.bytes_client_to_upstream = t.bytes_client_to_upstream();
  record.bytes_upstream_to_client = t.bytes_upstream_to_client();
  record.duration_us = t.duration_us();
  record.blocked = is_blocked(t);
  if (record.blocked) {
    record.blocked_by = t.decided_by().empty() ? std::string_view("unknown") : t.decided_by();
  }
  record.worker = t.worker();
  record.auth_failure = t.attribute(sdk::attribute_auth_failure).value_or(std::string_view());
  record.rate_limit = t.attribute(sdk::attribute_rate_limit).value_or(std::string_view());
  record.rate_limit_error =
      t.attribute(sdk::attribute_rate_limit_error).value_or(std::string_view());
  record.rate_limit_store_us = microseconds_in(t.attribute(sdk::attribute_rate_limit_store_us));
  return record;
}

}  // namespace proxy::plugins::metrics

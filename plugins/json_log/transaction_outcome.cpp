#include "transaction_outcome.hpp"

namespace proxy::plugins::json_log {
namespace {

using Verdict = sdk::Decision::Kind;

// Answered with a status, or closed without one.
std::string_view refusal(const sdk::Transaction& t) {
  return t.status() != 0 ? "reject" : "close";
}

}  // namespace

std::string_view decision_name(const sdk::Transaction& t) {
  switch (t.verdict()) {
    case Verdict::reject:
      return "reject";
    case Verdict::close:
      return "close";
    case Verdict::failed:
      return refusal(t);
    case Verdict::allow:
    case Verdict::deferred:
      break;
  }
  // The core names itself when it refuses without a plugin verdict (deny_networks,
  // upstream unreachable or timed out).
  return t.decided_by().empty() ? "allow" : refusal(t);
}

std::string_view event_name(const sdk::Transaction& t) {
  if (t.verdict() == Verdict::failed || t.status() >= 500) {
    return "error";
  }
  if (decision_name(t) != "allow") {
    return "blocked";
  }
  return t.kind() == sdk::Transaction::Kind::tunnel ? "tunnel" : "request";
}

}  // namespace proxy::plugins::json_log

#include "dns/resolver.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <vector>

#include "dns/address_order.hpp"

namespace proxy::core::dns {

// One connection waiting for an answer: woken by cancelling its timer once `answer` is set.
struct Resolver::Waiter {
  explicit Waiter(const asio::any_io_executor& executor) : timer(executor) {}

  asio::steady_timer timer;
  std::optional<DnsAnswer> answer;
};

// One name being looked up. c-ares holds a reference until it calls back, which may be
// after the deadline ended the query for its waiters.
struct Resolver::Query {
  Query(Resolver& owner, std::string key, const asio::any_io_executor& executor)
      : owner(owner), key(std::move(key)), deadline(executor) {}

  Resolver& owner;
  const std::string key;
  const Clock::time_point started = Clock::now();
  asio::steady_timer deadline;
  std::vector<std::shared_ptr<Waiter>> waiters;
  bool done = false;
};

namespace {

struct AddrinfoFree {
  void operator()(ares_addrinfo* result) const { ares_freeaddrinfo(result); }
};

// The addresses of a c-ares answer, duplicates dropped (/etc/hosts may list one twice),
// and the shortest TTL among them and the CNAMEs that led to them.
struct Parsed {
  Addresses addresses;
  std::chrono::seconds ttl{std::numeric_limits<int>::max()};
};

Parsed parse(const ares_addrinfo* result) {
  Parsed parsed;
  if (result == nullptr) {
    return parsed;
  }
  for (const ares_addrinfo_node* node = result->nodes; node != nullptr; node = node->ai_next) {
    asio::ip::address address;
    if (node->ai_family == AF_INET && node->ai_addr != nullptr) {
      sockaddr_in in{};
      std::memcpy(&in, node->ai_addr, sizeof(in));
      address = asio::ip::address_v4(ntohl(in.sin_addr.s_addr));
    } else if (node->ai_family == AF_INET6 && node->ai_addr != nullptr) {
      sockaddr_in6 in6{};
      std::memcpy(&in6, node->ai_addr, sizeof(in6));
      asio::ip::address_v6::bytes_type bytes{};
      std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
      address = asio::ip::address_v6(bytes, in6.sin6_scope_id);
    } else {
      continue;
    }
    if (std::find(parsed.addresses.begin(), parsed.addresses.end(), address) ==
        parsed.addresses.end()) {
      parsed.addresses.push_back(address);
    }
    parsed.ttl = std::min(parsed.ttl, std::chrono::seconds(std::max(node->ai_ttl, 0)));
  }
  for (const ares_addrinfo_cname* cname = result->cnames; cname != nullptr; cname = cname->next) {
    parsed.ttl = std::min(parsed.ttl, std::chrono::seconds(std::max(cname->ttl, 0)));
  }
  return parsed;
}

}  // namespace

Resolver::Resolver(const asio::any_io_executor& executor, const config::DnsConfig& settings,
                   DnsCache& cache, host::CoreCounters& counters)
    : executor_(executor),
      timeout_(settings.timeout),
      cache_(cache),
      counters_(counters),
      channel_(std::make_unique<AresChannel>(executor, settings)) {}

Resolver::~Resolver() {
  channel_.reset();  // first, while everything its callbacks touch is still here
}

asio::awaitable<DnsAnswer> Resolver::resolve(const std::string& host, Clock::time_point deadline) {
  std::string key = cache_key(host);
  if (auto cached = cache_.find(key, Clock::now())) {
    counters_.dns_cache_hits.fetch_add(1, std::memory_order_relaxed);
    co_return DnsAnswer{LookupStatus::ok, std::move(cached), {}};
  }
  auto waiter = std::make_shared<Waiter>(executor_);
  join_or_start(key, waiter);
  if (!waiter->answer) {  // else answered at once (/etc/hosts, or a c-ares error)
    waiter->timer.expires_at(deadline);
    boost::system::error_code ignored;  // cancelled: the answer is in
    co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (!waiter->answer) {
    co_return DnsAnswer{LookupStatus::timed_out, nullptr, "name resolution timed out"};
  }
  co_return std::move(*waiter->answer);
}

void Resolver::join_or_start(const std::string& key, const std::shared_ptr<Waiter>& waiter) {
  if (const auto found = pending_.find(key); found != pending_.end()) {
    found->second->waiters.push_back(waiter);
    return;
  }
  auto query = std::make_shared<Query>(*this, key, executor_);
  query->waiters.push_back(waiter);
  pending_.emplace(key, query);
  query->deadline.expires_after(timeout_);
  query->deadline.async_wait(
      [weak = std::weak_ptr<Query>(query)](const boost::system::error_code& ec) {
        if (const auto alive = weak.lock(); alive && !ec) {
          alive->owner.count_lookup(*alive, alive->owner.counters_.dns_lookups_timed_out);
          alive->owner.finish(
              *alive, DnsAnswer{LookupStatus::timed_out, nullptr, "name resolution timed out"});
        }
      });
  // c-ares owns this reference until on_answer, which may run before lookup returns.
  channel_->lookup(key, &Resolver::on_answer, new std::shared_ptr<Query>(query));
}

void Resolver::on_answer(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) {
  const std::unique_ptr<std::shared_ptr<Query>> query(static_cast<std::shared_ptr<Query>*>(arg));
  const std::unique_ptr<ares_addrinfo, AddrinfoFree> owned(result);
  try {
    (*query)->owner.complete(**query, status, result);
  } catch (...) {
    // Out of memory, or a timer that cannot be cancelled: nothing may unwind through
    // c-ares. The waiters then end at their own deadlines.
  }
}

void Resolver::complete(Query& query, int status, const ares_addrinfo* result) {
  DnsAnswer answer;
  if (status == ARES_SUCCESS) {
    Parsed parsed = parse(result);
    if (!parsed.addresses.empty()) {
      auto addresses = std::make_shared<const Addresses>(interleave_families(parsed.addresses));
      // Kept even when the deadline already ended the query: the next request finds it.
      cache_.store(query.key, addresses, parsed.ttl, Clock::now());
      answer = DnsAnswer{LookupStatus::ok, std::move(addresses), {}};
    } else {
      answer.error = "no address in the answer";
    }
  } else if (status == ARES_ETIMEOUT) {
    answer = DnsAnswer{LookupStatus::timed_out, nullptr, "name resolution timed out"};
  } else {
    answer.error = ares_strerror(status);
  }
  if (query.done) {
    return;
  }
  if (status == ARES_EDESTRUCTION) {
    finish(query, answer);  // shutting down: not a lookup that failed
    return;
  }
  count_lookup(query, answer.status == LookupStatus::ok          ? counters_.dns_lookups_ok
                      : answer.status == LookupStatus::timed_out ? counters_.dns_lookups_timed_out
                                                                 : counters_.dns_lookups_failed);
  finish(query, answer);
}

void Resolver::count_lookup(const Query& query, std::atomic<std::uint64_t>& outcome) {
  outcome.fetch_add(1, std::memory_order_relaxed);
  counters_.observe_dns_lookup(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - query.started));
}

void Resolver::finish(Query& query, const DnsAnswer& answer) {
  if (query.done) {
    return;
  }
  query.done = true;
  if (const auto found = pending_.find(query.key);
      found != pending_.end() && found->second.get() == &query) {
    pending_.erase(found);  // the caller still holds a reference to `query`
  }
  query.deadline.cancel();
  for (const auto& waiter : query.waiters) {
    waiter->answer = answer;
    waiter->timer.cancel();
  }
  query.waiters.clear();
}

}  // namespace proxy::core::dns

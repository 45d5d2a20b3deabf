#include "dns/resolver_service.hpp"

namespace proxy::core::dns {

ResolverService::ResolverService(asio::execution_context& context)
    : asio::execution_context::service(context) {}

ResolverService::~ResolverService() = default;

void ResolverService::shutdown() {
  resolver_.reset();  // when the context goes first (an early return of the app)
}

void install_resolver(asio::io_context& io, const config::DnsConfig& settings, DnsCache& cache,
                      host::CoreCounters& counters) {
  asio::use_service<ResolverService>(io).install(
      std::make_unique<Resolver>(io.get_executor(), settings, cache, counters));
}

void remove_resolver(asio::io_context& io) {
  if (asio::has_service<ResolverService>(io)) {
    asio::use_service<ResolverService>(io).remove();
  }
}

Resolver* find_resolver(const asio::any_io_executor& executor) {
  asio::execution_context& context = asio::query(executor, asio::execution::context);
  if (!asio::has_service<ResolverService>(context)) {
    return nullptr;
  }
  return asio::use_service<ResolverService>(context).resolver();
}

}  // namespace proxy::core::dns

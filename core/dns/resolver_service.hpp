#pragma once

#include <memory>

#include "asio.hpp"
#include "config/config.hpp"
#include "dns/dns_cache.hpp"
#include "dns/resolver.hpp"
#include "plugin_host/core_counters.hpp"

namespace proxy::core::dns {

// Gives each worker's io_context its own Resolver, found from any executor of that
// context: the connector needs nothing passed down to it to resolve a name.
class ResolverService : public asio::execution_context::service {
 public:
  // Asio finds a service by this member; its constructor is empty and cannot throw.
  inline static asio::execution_context::id id;  // NOLINT(cert-err58-cpp)

  explicit ResolverService(asio::execution_context& context);
  ~ResolverService() override;

  void install(std::unique_ptr<Resolver> resolver) { resolver_ = std::move(resolver); }
  Resolver* resolver() const { return resolver_.get(); }
  void remove() { resolver_.reset(); }

 private:
  void shutdown() override;

  std::unique_ptr<Resolver> resolver_;
};

// Builds the Resolver of worker context `io`, before its thread starts. Throws
// std::runtime_error when c-ares cannot start.
void install_resolver(asio::io_context& io, const config::DnsConfig& settings, DnsCache& cache,
                      host::CoreCounters& counters);

// Destroys it once the thread has stopped and before the context goes, while the context's
// timers and descriptors still work.
void remove_resolver(asio::io_context& io);

// The Resolver of the context `executor` belongs to; null when none was installed.
Resolver* find_resolver(const asio::any_io_executor& executor);

}  // namespace proxy::core::dns

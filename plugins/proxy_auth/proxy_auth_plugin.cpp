#include "proxy_auth_plugin.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "basic_credentials.hpp"
#include "challenge.hpp"
#include "log_text.hpp"

namespace proxy::plugins::proxy_auth {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t max_cached_credentials = 65'536;
constexpr std::size_t max_tracked_clients = 100'000;
constexpr auto failure_window = std::chrono::minutes(1);
constexpr auto users_check_period = std::chrono::seconds(1);

constexpr std::string_view authorization_header = "Proxy-Authorization";
constexpr std::string_view invalid_credentials = "invalid proxy credentials";

// One deferred decision; the pool's callback finishes it, or the hook itself when the
// pool refuses the job.
class PendingCheck {
 public:
  explicit PendingCheck(sdk::Completion completion) : completion_(std::move(completion)) {}

  void finish(const sdk::Decision& decision) {
    const std::lock_guard lock(mutex_);
    completion_.complete(decision);  // only the first call takes effect
  }

 private:
  std::mutex mutex_;
  sdk::Completion completion_;
};

sdk::Decision verification_busy() {
  return sdk::Decision::unavailable("proxy authentication is busy: too many checks waiting", 1);
}

// The user goes to the `user` attribute, for later hooks and the access log; from the
// hook (cache hit) or through a Completion (deferred check) alike.
sdk::Decision admitted(std::string_view user) {
  return sdk::Decision::allow().with_attribute(std::string(sdk::attribute_user), std::string(user));
}

}  // namespace

// The folder a relative users_file is taken from: the main config file's (ABI 1.2);
// the working directory on an older host.
std::string config_folder(const sdk::PluginContext& context) {
  return context.config_dir();
}

ProxyAuthPlugin::ProxyAuthPlugin(sdk::PluginContext& context)
    : context_(context),
      settings_(parse_settings(context.settings())),
      challenge_(challenge_header(settings_.realm)),
      users_([&] {
        try {
          return UsersSource(resolve_users_file(settings_.users_file, config_folder(context)));
        } catch (const LoadError& e) {
          throw sdk::SettingsError("users_file", e.what());
        }
      }()),
      cache_(settings_.cache_ttl, max_cached_credentials),
      failures_(settings_.max_failures, failure_window, max_tracked_clients),
      pool_(settings_.verify_threads, settings_.verify_queue),
      users_watcher_(users_check_period, [this] { refresh_users(); }) {
  const auto users = users_.current();
  cache_.invalidate(users->generation);
  context.log().info("{} users from '{}'; cache {} s; {} bypass networks; {} verification threads",
                     users->users.size(), users_.path(),
                     std::chrono::duration<double>(settings_.cache_ttl).count(),
                     settings_.bypass_networks.size(), pool_.threads());
  if (users->users.size() == 0) {
    context.log().warn("users file '{}' has no users: every request needs a bypass network",
                       users_.path());
  }
}

void ProxyAuthPlugin::refresh_users() {
  const UsersSource::Refresh refresh = users_.refresh();
  const auto users = users_.current();
  switch (refresh.outcome) {
    case UsersSource::Outcome::reloaded:
      cache_.invalidate(users->generation);
      context_.log().info("users file '{}' reloaded: {} users", users_.path(), users->users.size());
      break;
    case UsersSource::Outcome::failed:
      // LoadError messages name the file and line, never a hash or a password.
      context_.log().warn("{}; keeping the {} users loaded before", refresh.error,
                          users->users.size());
      break;
    case UsersSource::Outcome::unchanged:
      break;
  }
}

sdk::Decision ProxyAuthPlugin::require_credentials(std::string reason) const {
  // For plain HTTP and CONNECT alike: without the challenge a client is not asked.
  return sdk::Decision::reject(407, std::move(reason))
      .with_header("Proxy-Authenticate", challenge_);
}

// Credentials were sent and are wrong: a failed attempt, for the metrics.
sdk::Decision ProxyAuthPlugin::refuse_credentials(std::string reason) const {
  return require_credentials(std::move(reason))
      .with_attribute(std::string(sdk::attribute_auth_failure),
                      std::string(sdk::auth_failure_invalid));
}

sdk::Decision ProxyAuthPlugin::too_many_failures(std::chrono::milliseconds wait) const {
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(wait).count();
  return sdk::Decision::rate_limited("too many failed proxy authentication attempts: " +
                                         std::to_string(failures_.max_failures()) + " per minute",
                                     static_cast<std::uint32_t>(std::max<std::int64_t>(seconds, 1)))
      .with_attribute(std::string(sdk::attribute_auth_failure),
                      std::string(sdk::auth_failure_throttled));
}

sdk::Decision ProxyAuthPlugin::on_request(const sdk::Connection& conn, sdk::Request& request) {
  if (settings_.bypass_networks.contains(conn.client_ip())) {
    return sdk::Decision::allow();
  }
  std::optional<std::string_view> authorization;
  const sdk::Headers& headers = request.headers();
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (sdk::iequals(headers[i].name, authorization_header)) {
      if (authorization) {
        return refuse_credentials("more than one Proxy-Authorization header");
      }
      authorization = headers[i].value;
    }
  }
  if (!authorization) {
    return require_credentials("proxy authentication required");
  }
  CredentialsParse parsed = parse_basic_credentials(*authorization);
  if (!parsed.credentials) {
    return refuse_credentials(std::move(parsed.problem));
  }
  BasicCredentials& credentials = *parsed.credentials;

  std::string client(conn.client_key());
  const Clock::time_point now = Clock::now();
  if (const auto wait = failures_.blocked_for(client, now); wait.count() > 0) {
    wipe(credentials.password);
    return too_many_failures(wait);
  }
  const std::shared_ptr<const UsersSnapshot> users = users_.current();
  const CredentialKey key = cache_.key_for(credentials.user, credentials.password);
  if (cache_.admits(key, users->generation, now)) {
    wipe(credentials.password);
    return admitted(credentials.user);
  }
  const std::string* hash = users->users.find(credentials.user);
  if (hash == nullptr && users->users.size() == 0) {
    wipe(credentials.password);
    return refuse_credentials(std::string(invalid_credentials));
  }
  if (!failures_.charge(client, now)) {
    wipe(credentials.password);
    return too_many_failures(failures_.blocked_for(client, now));
  }
  if (pool_.queued() >= pool_.max_queued()) {  // spare the deferral when clearly full
    failures_.refund(client);
    wipe(credentials.password);
    return verification_busy();
  }

  // An unknown user is checked against another user's hash and refused whatever the
  // result, so that a wrong name takes as long as a wrong password.
  const bool known = hash != nullptr;
  auto pending = std::make_shared<PendingCheck>(conn.defer());
  auto done = [this, pending, key, known, client, user = credentials.user,
               generation = users->generation](VerifyOutcome outcome) {
    switch (outcome) {
      case VerifyOutcome::match:
        if (known) {
          failures_.refund(client);
          cache_.remember(key, generation, Clock::now());
          pending->finish(admitted(user));
          return;
        }
        pending->finish(refuse_credentials(std::string(invalid_credentials)));
        return;
      case VerifyOutcome::mismatch:
        context_.log().debug("client {}: {}", common::quoted(client), invalid_credentials);
        pending->finish(refuse_credentials(std::string(invalid_credentials)));
        return;
      case VerifyOutcome::error:
        failures_.refund(client);
        context_.log().error("this system's libcrypt cannot verify the hash of {} in '{}'",
                             known ? "user " + common::quoted(user) : "the first user",
                             users_.path());
        pending->finish(sdk::Decision::unavailable("proxy credentials cannot be verified"));
        return;
      case VerifyOutcome::cancelled:
        pending->finish(sdk::Decision::unavailable("proxy authentication is shutting down"));
        return;
    }
  };
  if (!pool_.submit(std::move(credentials.password), known ? *hash : users->users.decoy_hash(),
                    std::move(done))) {
    failures_.refund(client);
    pending->finish(verification_busy());
  }
  return sdk::Decision::deferred();
}

}  // namespace proxy::plugins::proxy_auth

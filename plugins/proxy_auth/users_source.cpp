#include "users_source.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace proxy::plugins::proxy_auth {

UsersSource::UsersSource(std::string path, const LoadLimits& limits)
    : path_(std::move(path)), limits_(limits) {
  install(load_htpasswd(path_, limits_));
}

void UsersSource::install(LoadedUsers loaded) {
  loaded_stamp_ = loaded.stamp;
  failed_stamp_.reset();
  auto snapshot = std::make_shared<UsersSnapshot>(UsersSnapshot{std::move(loaded.users), 0});
  snapshot->generation = ++generation_;
  const std::lock_guard lock(mutex_);
  current_ = std::move(snapshot);
}

std::shared_ptr<const UsersSnapshot> UsersSource::current() const {
  const std::lock_guard lock(mutex_);
  return current_;
}

UsersSource::Refresh UsersSource::refresh() {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) {
    std::string error =
        "users file '" + path_ + "': cannot stat: " + std::generic_category().message(errno);
    if (error == failed_stat_) {
      return {};
    }
    failed_stat_ = error;
    return {Outcome::failed, std::move(error)};
  }
  failed_stat_.clear();
  const FileStamp stamp = FileStamp::of(info);
  if (stamp == loaded_stamp_ || stamp == failed_stamp_) {
    return {};
  }
  try {
    install(load_htpasswd(path_, limits_));
    return {Outcome::reloaded, {}};
  } catch (const LoadError& e) {
    failed_stamp_ = stamp;
    return {Outcome::failed, e.what()};
  }
}

}  // namespace proxy::plugins::proxy_auth

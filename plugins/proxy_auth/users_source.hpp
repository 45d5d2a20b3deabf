#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "file_stamp.hpp"
#include "htpasswd_file.hpp"

namespace proxy::plugins::proxy_auth {

// One loaded version of the users file. `generation` counts successful loads (1 for the
// first), so that what was checked against an older version can be told apart.
struct UsersSnapshot {
  UserTable users;
  std::uint64_t generation = 0;
};

// The users file and its current contents, re-read when it changes.
//
// refresh() stats the path (a few microseconds, no read) and reads the file again only
// when its FileStamp differs from the version loaded: a new inode (replaced by `mv` or
// an editor), size, mtime or ctime. A version that fails to load leaves the users as they
// were; it is reported once, and read again only once it changes again.
//
// Why polling rather than inotify: a watch on the file is lost when the file is
// replaced, which is how editors, `htpasswd` itself and configuration tools (a Kubernetes
// ConfigMap swaps a symlink) update it, and inotify sees nothing on network file systems.
// A stat a second works for all of them, costs nothing measurable and is easy to reason
// about; the price is up to a second before a change is seen.
//
// @par Thread Safety
// current() from any thread; refresh() from one thread at a time (the plugin's watcher).
class UsersSource {
 public:
  // Loads the file; throws LoadError when it cannot be used.
  explicit UsersSource(std::string path, const LoadLimits& limits = {});

  std::shared_ptr<const UsersSnapshot> current() const;
  const std::string& path() const { return path_; }

  enum class Outcome {
    unchanged,  // nothing new (or a failure already reported)
    reloaded,   // a new version is current
    failed,     // a new version could not be loaded; the previous users stay
  };
  struct Refresh {
    Outcome outcome = Outcome::unchanged;
    std::string error;  // for `failed`: why, without any hash or password
  };
  Refresh refresh();

 private:
  void install(LoadedUsers loaded);

  const std::string path_;
  const LoadLimits limits_;
  FileStamp loaded_stamp_;
  std::optional<FileStamp> failed_stamp_;  // the version that last failed to load
  std::string failed_stat_;                // the stat error last reported
  std::uint64_t generation_ = 0;

  mutable std::mutex mutex_;
  std::shared_ptr<const UsersSnapshot> current_;
};

}  // namespace proxy::plugins::proxy_auth

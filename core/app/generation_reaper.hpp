#pragma once

#include <memory>
#include <mutex>

#include "asio.hpp"
#include "connection/generation.hpp"

namespace proxy::app {

// Destroys a configuration generation once nothing holds it (its last session ended
// and a newer one is current), on the main thread rather than on the io thread that
// dropped it: destroying plugins may join their threads, which an io thread must not
// wait for, and no hook of the generation can still be running by then.
//
// @par Thread Safety
// share() and attach()/detach() on the main thread; the deleters share() installs run
// on any thread. Must outlive every generation it shared.
class GenerationReaper {
 public:
  GenerationReaper() = default;
  GenerationReaper(const GenerationReaper&) = delete;
  GenerationReaper& operator=(const GenerationReaper&) = delete;

  // `generation`, to be destroyed through this reaper when its last holder lets go.
  std::shared_ptr<const core::Generation> share(std::unique_ptr<core::Generation> generation);

  // Detaches when it goes, so a context that unwinds away (a port already taken at
  // startup, say) is never posted to afterwards.
  class Attachment {
   public:
    explicit Attachment(GenerationReaper& reaper) : reaper_(reaper) {}
    ~Attachment() { reaper_.detach(); }
    Attachment(const Attachment&) = delete;
    Attachment& operator=(const Attachment&) = delete;

   private:
    GenerationReaper& reaper_;
  };

  // From now on generations are destroyed by handlers posted to `context`, which must
  // outlive every handler posted: the Attachment, declared after the context, detaches
  // before it goes (detach() may also come earlier).
  [[nodiscard]] Attachment attach(asio::io_context& context);
  // From now on generations are destroyed by whoever drops the last reference: only
  // once no io thread runs (shutdown).
  void detach();

 private:
  void retire(const core::Generation* generation);

  std::mutex mutex_;
  asio::io_context* context_ = nullptr;
};

}  // namespace proxy::app

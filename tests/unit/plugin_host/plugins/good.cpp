// A well-behaved plugin exercising every host service: it rejects, edits headers, routes
// ("route" in the target: through a parent named after the plugin; "route-direct":
// direct), defers (completing from a thread, a host timer, synchronously, never, or by
// dropping the Completion), schedules a timer it expects to be cancelled at shutdown, serves an
// endpoint and reports its own destruction to a file named in its settings.
#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "proxy/sdk.hpp"

#ifndef GOOD_PLUGIN_NAME
#define GOOD_PLUGIN_NAME "good"
#endif

namespace {

using proxy::sdk::Completion;
using proxy::sdk::Decision;

void append_line(const std::string& file, const std::string& line) {
  if (file.empty()) {
    return;
  }
  std::ofstream out(file, std::ios::app);
  out << line << '\n';
}

class GoodPlugin final : public proxy::sdk::Plugin {
 public:
  explicit GoodPlugin(proxy::sdk::PluginContext& context)
      : context_(context), trace_file_(context.settings().value("trace_file", std::string())) {
    context_.register_endpoint("/_" + context_.name(),
                               [this](const proxy::sdk::AdminRequest& request) {
                                 proxy::sdk::AdminResponse response;
                                 response.headers.emplace_back("X-Good-Endpoint", "yes");
                                 response.body = "requests=" + std::to_string(requests_.load()) +
                                                 " closes=" + std::to_string(closes_.load()) +
                                                 " query=" + std::string(request.query) + "\n";
                                 return response;
                               });
    // Far in the future: the host must call it back cancelled at shutdown, before this
    // object is destroyed.
    const proxy_host_api* host = context_.host_api();
    host->schedule(host->host, 3600U * 1000U, &on_shutdown_timer, this);
  }

  ~GoodPlugin() override {
    {
      const std::lock_guard lock(mutex_);
      for (auto& thread : threads_) {
        thread.join();
      }
      // A deferral that was never completed fails closed here; the host has long stopped
      // waiting and must ignore it.
      parked_.clear();
    }
    append_line(trace_file_, "destroyed " + context_.name());
  }

  proxy::sdk::HookSet hooks() const override {
    return proxy::sdk::Hook::request | proxy::sdk::Hook::close;
  }

  Decision on_request(const proxy::sdk::Connection& conn, proxy::sdk::Request& request) override {
    ++requests_;
    const std::string target(request.target());
    context_.log().info("request {} from {}", target, conn.client_ip());
    if (target.find("blocked") != std::string::npos) {
      return Decision::reject(403, "blocked by " + context_.name());
    }
    if (target.find("throw") != std::string::npos) {
      throw std::runtime_error("asked to throw");
    }
    if (target.find("defer") != std::string::npos) {
      return defer(conn, target);
    }
    request.headers().set("X-Good", context_.name());
    request.headers().remove("X-Strip");
    if (!request.headers().add("Bad Name", "x") && !request.headers().add("X-Ok", "a\r\nb")) {
      request.headers().add("X-Good-Refused", "invalid edits refused");
    }
    if (target.find("route") != std::string::npos) {
      return Decision::allow().with_route(route_for(target));
    }
    return Decision::allow();
  }

  void on_close(const proxy::sdk::Transaction& transaction) override {
    (void)transaction;
    ++closes_;
  }

 private:
  proxy::sdk::Route route_for(const std::string& target) const {
    if (target.find("route-direct") != std::string::npos) {
      return proxy::sdk::Route::direct();
    }
    return proxy::sdk::Route::via({{context_.name(), "parent.example", 3128, "Basic eDp5"}});
  }

  Decision defer(const proxy::sdk::Connection& conn, const std::string& target) {
    Completion completion = conn.defer();
    Decision answer = target.find("reject") != std::string::npos
                          ? Decision::reject(429, "deferred reject")
                          : Decision::allow();
    if (target.find("attr") != std::string::npos) {
      answer.with_attribute("deferred", "yes");
    }
    if (target.find("route") != std::string::npos) {
      answer.with_route(route_for(target));
    }
    if (target.find("defer-sync") != std::string::npos) {
      completion.complete(answer);
    } else if (target.find("defer-timer") != std::string::npos) {
      auto shared = std::make_shared<Completion>(std::move(completion));
      context_.schedule(std::chrono::milliseconds(10),
                        [shared, answer] { shared->complete(answer); });
    } else if (target.find("defer-never") != std::string::npos) {
      const std::lock_guard lock(mutex_);
      parked_.push_back(std::move(completion));
    } else if (target.find("defer-drop") != std::string::npos) {
      start_thread([c = std::move(completion)]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        Completion dropped = std::move(c);  // destroyed uncompleted: fails closed
      });
    } else {
      start_thread([c = std::move(completion), answer]() mutable {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        c.complete(answer);
      });
    }
    return Decision::deferred();
  }

  template <class Fn>
  void start_thread(Fn fn) {
    const std::lock_guard lock(mutex_);
    threads_.emplace_back(std::move(fn));
  }

  static void on_shutdown_timer(void* user, int cancelled) {
    auto* self = static_cast<GoodPlugin*>(user);
    append_line(self->trace_file_, cancelled != 0 ? "timer cancelled" : "timer fired");
  }

  proxy::sdk::PluginContext& context_;
  std::string trace_file_;
  std::atomic<int> requests_{0};
  std::atomic<int> closes_{0};
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::vector<Completion> parked_;
};

}  // namespace

PROXY_PLUGIN(GoodPlugin, GOOD_PLUGIN_NAME, "1.2.3", "Test plugin that behaves")

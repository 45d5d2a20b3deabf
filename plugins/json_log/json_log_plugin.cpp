#include "json_log_plugin.hpp"

#include <chrono>
#include <string>

#include "access_line.hpp"

namespace proxy::plugins::json_log {
namespace {

constexpr std::chrono::seconds report_interval(5);

}  // namespace

JsonLogPlugin::JsonLogPlugin(sdk::PluginContext& context)
    : context_(context),
      settings_(parse_settings(context.settings())),
      writer_(make_sink(settings_), settings_.queue_size,
              std::chrono::milliseconds(settings_.flush_interval_ms)) {
  // Last: once scheduled, a timer may run, so nothing after it may throw.
  schedule_report();
}

JsonLogPlugin::~JsonLogPlugin() {
  writer_.close();
  report_losses();
}

void JsonLogPlugin::on_close(const sdk::Transaction& transaction) {
  writer_.append(transaction.worker(),
                 [&transaction](std::string& text) { append_access_line(text, transaction); });
}

void JsonLogPlugin::schedule_report() {
  context_.schedule(report_interval, [this] {
    report_losses();
    schedule_report();
  });
}

void JsonLogPlugin::report_losses() {
  const WriteLosses now = writer_.losses();
  if (now.dropped > reported_.dropped) {
    context_.log().warn("dropped {} access log lines: a worker's queue (queue_size {}) was full",
                        now.dropped - reported_.dropped, settings_.queue_size);
  }
  if (now.failed > reported_.failed) {
    context_.log().warn("{} access log lines could not be written to '{}'; last error: {}",
                        now.failed - reported_.failed, settings_.path, now.last_error);
  }
  reported_ = now;
}

}  // namespace proxy::plugins::json_log

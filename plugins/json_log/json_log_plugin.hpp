#pragma once

#include "json_log_settings.hpp"
#include "line_writer.hpp"
#include "log_file.hpp"
#include "proxy/sdk/context.hpp"
#include "proxy/sdk/plugin.hpp"

namespace proxy::plugins::json_log {

// The access log: one JSON line per transaction (see access_line.hpp), appended to the
// io thread's own buffer and written in batches by a thread of its own (line_writer.hpp),
// so an io thread never waits for the disk nor wakes a thread per line. Lines lost to a
// full buffer or a failing sink are reported as warnings through the plugin's logger,
// every few seconds and at shutdown; a clean shutdown writes every buffered line first.
//
// @par Thread Safety
// on_close may run on several io threads at once; each appends to its own buffer.
class JsonLogPlugin final : public sdk::Plugin {
 public:
  // Throws sdk::SettingsError for invalid settings or a file that cannot be opened.
  explicit JsonLogPlugin(sdk::PluginContext& context);
  JsonLogPlugin(const JsonLogPlugin&) = delete;
  JsonLogPlugin& operator=(const JsonLogPlugin&) = delete;
  ~JsonLogPlugin() override;

  void on_close(const sdk::Transaction& transaction) override;

 private:
  void schedule_report();
  // Warns about what was lost since the last report. Runs on the host's timer thread,
  // and in the destructor after the host has cancelled every timer.
  void report_losses();

  sdk::PluginContext& context_;
  Settings settings_;
  LineWriter writer_;
  WriteLosses reported_;
};

}  // namespace proxy::plugins::json_log

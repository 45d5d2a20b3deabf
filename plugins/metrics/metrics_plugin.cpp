#include "metrics_plugin.hpp"

#include "carried_counters.hpp"
#include "exposition.hpp"
#include "text_format.hpp"
#include "transaction_record.hpp"

namespace proxy::plugins::metrics {

MetricsPlugin::MetricsPlugin(sdk::PluginContext& context)
    : context_(context),
      settings_(parse_settings(context.settings())),
      counters_(carried_counters(context.name(), settings_.request_duration_buckets,
                                 settings_.tunnel_duration_buckets)) {
  context_.register_endpoint(settings_.path,
                             [this](const sdk::AdminRequest& request) { return scrape(request); });
}

void MetricsPlugin::on_close(const sdk::Transaction& transaction) {
  counters_->record(record_of(transaction));
}

sdk::AdminResponse MetricsPlugin::scrape(const sdk::AdminRequest& request) const {
  sdk::AdminResponse response;
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.body = "use GET\n";
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  response.content_type = std::string(exposition_content_type);
  response.headers.emplace_back("Cache-Control", "no-store");
  response.body =
      render_exposition(counters_->snapshot(), counters_->request_bounds(),
                        counters_->tunnel_bounds(), context_.host_stats(), context_.host_version());
  return response;
}

}  // namespace proxy::plugins::metrics

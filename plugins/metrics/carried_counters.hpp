#pragma once

#include <memory>
#include <string>
#include <vector>

#include "traffic_counters.hpp"

namespace proxy::plugins::metrics {

// The counters for the metrics instance named `instance`: the ones a live instance of
// that name already counts into when its histogram bounds are the same, else new ones.
//
// A configuration reload creates the new generation's instance while the old one still
// serves its open connections; with the library loaded once per process, both then add
// to the same counters, so a reload neither resets a Prometheus counter nor loses what
// the old generation's last transactions count. New bucket bounds cannot continue the
// old histograms: then every series starts again from 0, which Prometheus' rate() and
// increase() read as a counter reset.
//
// @par Thread Safety
// Any thread (instances are created on the host's loading thread).
std::shared_ptr<TrafficCounters> carried_counters(const std::string& instance,
                                                  const std::vector<double>& request_bounds,
                                                  const std::vector<double>& tunnel_bounds);

}  // namespace proxy::plugins::metrics

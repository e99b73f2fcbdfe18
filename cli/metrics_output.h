#pragma once

// The three renderings of `virtplan metrics`: Prometheus text exposition
// (each metric's HELP and TYPE, then one sample per domain, labels domain,
// host, stack, plus interface or device; virtplan_host_up per host), InfluxDB
// line protocol (one line per domain, per interface and per disk, tags sorted
// by key, integers with `i`, no timestamp: the server stamps them) and JSON. Every rendering lists the
// samples in the order given (the command sorts them by host, then domain).

#include "kvm/domain_stats.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace virtplan::cli {

struct DomainSample {
  std::string domain;
  std::string host;
  kvm::DomainStats::Metrics metrics;
};

// hosts_read: each host of the stack, and whether it could be read
// (virtplan_host_up), so a scrape shows a host it could not reach.
std::string render_prometheus(const std::string& stack, const std::vector<DomainSample>& samples,
                              const std::map<std::string, bool>& hosts_read);
std::string render_influx(const std::string& stack, const std::vector<DomainSample>& samples);
nlohmann::json render_metrics_json(const std::string& stack, const std::vector<DomainSample>& samples,
                                   const std::map<std::string, std::string>& unreachable);

}  // namespace virtplan::cli

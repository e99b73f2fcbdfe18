#include "cli/metrics_output.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <optional>
#include <type_traits>

namespace virtplan::cli {
namespace {

using nlohmann::json;
using Disk = kvm::DomainStats::Disk;
using Interface = kvm::DomainStats::Interface;
using Metrics = kvm::DomainStats::Metrics;

// One Prometheus metric: its name, help, type, and where its samples come from.
// Names follow Prometheus' rules, which `promtool check metrics` enforces
// (tests/lab/live_state_test.cc runs it on a lab host's figures): base units
// spelled out in the name (_seconds, _bytes), counters ending in _total.
struct Gauge {
  const char* name;
  const char* help;
  const char* type;
  // (extra label, value) pairs of one domain; the label is empty for per-domain figures.
  std::function<std::vector<std::pair<std::string, double>>(const Metrics&)> values;
};

template <typename T>
std::vector<std::pair<std::string, double>> one(const std::optional<T>& value) {
  if (!value) return {};
  return {{"", static_cast<double>(*value)}};
}

std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// Influx escapes commas, spaces and equals signs in tag keys and values.
std::string tag_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

// One sample per item (an interface, a disk) that has `figure`, with the
// extra label LABEL="the item's name".
template <typename Item>
std::vector<std::pair<std::string, double>> per_item(const std::vector<Item>& items, const char* label,
                                                     std::optional<std::uint64_t> Item::*figure) {
  std::vector<std::pair<std::string, double>> out;
  for (const Item& item : items) {
    if (item.*figure) {
      out.emplace_back(fmt::format("{}=\"{}\"", label, label_value(item.name)),
                       static_cast<double>(*(item.*figure)));
    }
  }
  return out;
}

std::string number(double value) { return fmt::format("{}", value); }

const std::vector<Gauge>& gauges() {
  static const std::vector<Gauge> k_gauges = {
      {"virtplan_domain_state", "libvirt domain state (1 running, 3 paused, 5 shut off)", "gauge",
       [](const Metrics& m) { return one(m.state); }},
      {"virtplan_domain_cpu_time_seconds_total", "CPU time the domain used", "counter",
       [](const Metrics& m) { return one(m.cpu_time_seconds); }},
      {"virtplan_domain_vcpus", "vCPUs the domain has now", "gauge",
       [](const Metrics& m) { return one(m.vcpus); }},
      {"virtplan_domain_balloon_current_bytes", "memory the balloon gives the domain", "gauge",
       [](const Metrics& m) { return one(m.balloon_current_bytes); }},
      {"virtplan_domain_balloon_maximum_bytes", "memory the domain may grow to", "gauge",
       [](const Metrics& m) { return one(m.balloon_maximum_bytes); }},
      {"virtplan_domain_net_rx_bytes_total", "bytes received, per interface", "counter",
       [](const Metrics& m) { return per_item(m.interfaces, "interface", &Interface::rx_bytes); }},
      {"virtplan_domain_net_tx_bytes_total", "bytes sent, per interface", "counter",
       [](const Metrics& m) { return per_item(m.interfaces, "interface", &Interface::tx_bytes); }},
      {"virtplan_domain_block_read_bytes_total", "bytes read, per disk", "counter",
       [](const Metrics& m) { return per_item(m.disks, "device", &Disk::read_bytes); }},
      {"virtplan_domain_block_write_bytes_total", "bytes written, per disk", "counter",
       [](const Metrics& m) { return per_item(m.disks, "device", &Disk::write_bytes); }},
  };
  return k_gauges;
}

template <typename T>
void put(std::vector<std::string>& fields, const char* name, const std::optional<T>& value) {
  if (!value) return;
  if constexpr (std::is_floating_point_v<T>) {
    fields.push_back(fmt::format("{}={}", name, *value));
  } else {
    fields.push_back(fmt::format("{}={}i", name, *value));
  }
}

template <typename T>
json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

std::string render_prometheus(const std::string& stack, const std::vector<DomainSample>& samples,
                              const std::map<std::string, bool>& hosts_read) {
  std::string out =
      "# HELP virtplan_host_up whether the host could be read (1) or not (0: see stderr)\n"
      "# TYPE virtplan_host_up gauge\n";
  for (const auto& [host, read] : hosts_read) {
    out += fmt::format("virtplan_host_up{{host=\"{}\",stack=\"{}\"}} {}\n", label_value(host),
                       label_value(stack), read ? 1 : 0);
  }
  for (const Gauge& gauge : gauges()) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", gauge.name, gauge.help, gauge.name, gauge.type);
    for (const DomainSample& sample : samples) {
      for (const auto& [extra, value] : gauge.values(sample.metrics)) {
        const std::string labels =
            fmt::format("domain=\"{}\",host=\"{}\",stack=\"{}\"{}{}", label_value(sample.domain),
                        label_value(sample.host), label_value(stack), extra.empty() ? "" : ",", extra);
        out += fmt::format("{}{{{}}} {}\n", gauge.name, labels, number(value));
      }
    }
  }
  return out;
}

std::string render_influx(const std::string& stack, const std::vector<DomainSample>& samples) {
  std::string out;
  for (const DomainSample& sample : samples) {
    // Tags sorted by key, as InfluxDB recommends: device, domain, host, interface, stack.
    const std::string domain_host =
        fmt::format("domain={},host={}", tag_value(sample.domain), tag_value(sample.host));
    const std::string stack_tag = "stack=" + tag_value(stack);
    const std::string tags = domain_host + "," + stack_tag;
    const Metrics& m = sample.metrics;
    std::vector<std::string> fields;
    put(fields, "state", m.state);
    put(fields, "cpu_time_seconds", m.cpu_time_seconds);
    put(fields, "vcpus", m.vcpus);
    put(fields, "balloon_current_bytes", m.balloon_current_bytes);
    put(fields, "balloon_maximum_bytes", m.balloon_maximum_bytes);
    if (!fields.empty()) out += fmt::format("virtplan_domain,{} {}\n", tags, fmt::join(fields, ","));
    for (const auto& nic : m.interfaces) {
      std::vector<std::string> net;
      put(net, "rx_bytes", nic.rx_bytes);
      put(net, "tx_bytes", nic.tx_bytes);
      if (!net.empty()) {
        out += fmt::format("virtplan_domain_net,{},interface={},{} {}\n", domain_host, tag_value(nic.name),
                           stack_tag, fmt::join(net, ","));
      }
    }
    for (const auto& disk : m.disks) {
      std::vector<std::string> block;
      put(block, "read_bytes", disk.read_bytes);
      put(block, "write_bytes", disk.write_bytes);
      if (!block.empty()) {
        out += fmt::format("virtplan_domain_block,device={},{},{} {}\n", tag_value(disk.name), domain_host,
                           stack_tag, fmt::join(block, ","));
      }
    }
  }
  return out;
}

json render_metrics_json(const std::string& stack, const std::vector<DomainSample>& samples,
                         const std::map<std::string, std::string>& unreachable) {
  json domains = json::array();
  for (const DomainSample& sample : samples) {
    const Metrics& m = sample.metrics;
    json interfaces = json::array();
    for (const auto& nic : m.interfaces) {
      interfaces.push_back(
          {{"name", nic.name}, {"rx_bytes", or_null(nic.rx_bytes)}, {"tx_bytes", or_null(nic.tx_bytes)}});
    }
    json disks = json::array();
    for (const auto& disk : m.disks) {
      disks.push_back({{"name", disk.name},
                       {"read_bytes", or_null(disk.read_bytes)},
                       {"write_bytes", or_null(disk.write_bytes)}});
    }
    domains.push_back({{"domain", sample.domain},
                       {"host", sample.host},
                       {"state", or_null(m.state)},
                       {"cpu_time_seconds", or_null(m.cpu_time_seconds)},
                       {"vcpus", or_null(m.vcpus)},
                       {"balloon_current_bytes", or_null(m.balloon_current_bytes)},
                       {"balloon_maximum_bytes", or_null(m.balloon_maximum_bytes)},
                       {"interfaces", interfaces},
                       {"disks", disks}});
  }
  return {{"stack", stack}, {"domains", domains}, {"unreachable", unreachable}};
}

}  // namespace virtplan::cli

#pragma once

// DomainStats is one domain's statistics as `virsh domstats --raw` prints
// them (libvirt-facts.md): a "Domain: 'NAME'" line, then "  key=value" lines
// (state.state, cpu.time in ns, balloon.* in KiB, vcpu.*, net.N.*, block.N.*).
// parse_domstats() reads every domain of one output; metrics() picks out the
// figures `virtplan metrics` reports, in base units (seconds, bytes).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::kvm {

struct DomainStats {
  struct Interface {
    std::string name;  // net.N.name: "vnet0"
    std::optional<std::uint64_t> rx_bytes;
    std::optional<std::uint64_t> tx_bytes;
  };
  struct Disk {
    std::string name;  // block.N.name: "vda"
    std::optional<std::uint64_t> read_bytes;
    std::optional<std::uint64_t> write_bytes;
  };
  // The figures `virtplan metrics` reports; absent when virsh printed none
  // (a stopped domain has no balloon, interfaces or disks).
  struct Metrics {
    std::optional<int> state;  // libvirt's virDomainState: 1 running, 3 paused, 5 shut off
    std::optional<double> cpu_time_seconds;
    std::optional<std::uint64_t> vcpus;
    std::optional<std::uint64_t> balloon_current_bytes;
    std::optional<std::uint64_t> balloon_maximum_bytes;
    std::vector<Interface> interfaces;  // in net.N order
    std::vector<Disk> disks;            // in block.N order
  };

  std::string domain;
  std::map<std::string, std::string> values;  // every key=value line, as printed

  Metrics metrics() const;
};

// Every domain of a `virsh domstats --raw` output, in the order printed.
std::vector<DomainStats> parse_domstats(std::string_view output);

}  // namespace virtplan::kvm

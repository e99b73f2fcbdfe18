#pragma once

// FaultStack is the stack the fault-injection suite applies again and again
// on one lab host, in two shapes it switches between, so every run has real
// work for a fault to interrupt without a full destroy in between:
//
//   small: a dir pool, a raw volume v0 (holding a marker the suite writes,
//          so a recreated volume shows as lost data), a stopped domain d0
//          on v0;
//   full:  small, plus an isolated network, three qcow2 volumes v1..v3,
//          three stopped domains d1..d3 on them and the network, and d0
//          changed in place (more memory, a NIC on the network).
//
// small -> full is 8 steps (3 volume creates, 3 defines, a network create,
// d0's update); full -> small is 8 too (destroys, and d0 back). Stopped
// domains: no guest boots, so a run costs what libvirtd's defines and
// qemu-img cost, about a second.

#include "tests/lab/lab_env.h"

#include <fmt/format.h>

#include <set>
#include <string>

namespace virtplan::lab::faults {

enum class Shape { small, full };

inline const char* to_string(Shape shape) { return shape == Shape::small ? "small" : "full"; }

struct FaultStack {
  std::string tag;   // unique per test process: every name carries it
  std::string host;  // the lab host's name, "labK"
  int octet = 0;     // the network's 10.OCTET.0.0/24

  std::string stack() const { return "ft-" + tag; }
  std::string pool() const { return "p-" + tag; }
  std::string volume(int i) const { return fmt::format("v{}-{}", i, tag); }
  std::string domain(int i) const { return fmt::format("d{}-{}", i, tag); }
  std::string network() const { return "n-" + tag; }

  // The YAML of the stack in `shape`, its host reached as `host_yaml` says.
  std::string text(Shape shape, const std::string& host_yaml) const {
    const bool full = shape == Shape::full;
    std::string yaml = fmt::format("stack: {}\nhosts:\n{}", stack(), host_yaml);
    yaml +=
        fmt::format("pools:\n  {0}: {{host: {1}, type: dir, path: /var/lib/virtplan/{0}}}\n", pool(), host);
    yaml += "volumes:\n";
    yaml +=
        fmt::format("  {}: {{host: {}, pool: {}, format: raw, capacity: 1MiB}}\n", volume(0), host, pool());
    for (int i = 1; full && i <= 3; ++i) {
      yaml += fmt::format("  {}: {{host: {}, pool: {}, format: qcow2, capacity: 1MiB}}\n", volume(i), host,
                          pool());
    }
    if (full) {
      yaml += fmt::format(
          "networks:\n  {0}:\n    host: {1}\n    mode: isolated\n    bridge: vpf{2}\n"
          "    ipv4: {{address: 10.{3}.0.1/24}}\n",
          network(), host, tag.substr(0, 8), octet);
    }
    yaml += "domains:\n" + domain_yaml(0, full ? 96 : 64, full);
    for (int i = 1; full && i <= 3; ++i) yaml += domain_yaml(i, 64, true);
    return yaml;
  }

  // What the host holds of the stack in `shape`, as inventory keys
  // (host_inventory.h).
  std::set<std::string> keys(Shape shape) const {
    std::set<std::string> out{"pool/" + pool(), "volume/" + pool() + "/" + volume(0), "domain/" + domain(0)};
    if (shape == Shape::small) return out;
    out.insert("network/" + network());
    for (int i = 1; i <= 3; ++i) {
      out.insert("volume/" + pool() + "/" + volume(i));
      out.insert("domain/" + domain(i));
    }
    return out;
  }

private:
  std::string domain_yaml(int i, int memory_mib, bool nic) const {
    std::string yaml = fmt::format(
        "  {}:\n    host: {}\n    vcpus: 1\n    memory: {}MiB\n    virt_type: qemu\n    state: stopped\n"
        "    disks: [{{volume: {}, target: vda, bus: virtio}}]\n",
        domain(i), host, memory_mib, volume(i));
    if (nic) {
      yaml += fmt::format(
          "    interfaces: [{{network: {}, mac: \"52:54:00:{:02x}:00:{:02x}\", model: virtio}}]\n", network(),
          octet, 0x10 + i);
    }
    return yaml;
  }
};

}  // namespace virtplan::lab::faults

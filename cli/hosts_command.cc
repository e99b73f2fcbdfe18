#include "cli/commands.h"

#include "cli/stack_options.h"
#include "providers/host/transport_factory.h"
#include "providers/virsh/host_probe.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

using providers::HostConfig;

// One host's line after its name and address: facts, or the error.
providers::Result<std::string> describe(const HostConfig& host) {
  auto transport = providers::make_transport(host);
  if (!transport) return std::unexpected(transport.error());
  providers::VirshRunner virsh(**transport, host.libvirt_uri, host.become);
  auto facts = providers::probe_host(virsh);
  if (!facts) return std::unexpected(facts.error());
  return fmt::format("libvirt {}, {}, {}", facts->libvirt_version, facts->hypervisor,
                     facts->kvm ? "KVM" : "TCG only (no KVM)");
}

int hosts(const std::string& path) {
  auto stack = load_stack(path, stderr);
  if (!stack) return 1;

  // Every host at once: a slow or dead host costs its own timeout, not the sum.
  std::vector<std::pair<const HostConfig*, std::future<providers::Result<std::string>>>> probes;
  for (const auto& [name, host] : stack->hosts) {
    probes.emplace_back(&host, std::async(std::launch::async, describe, std::cref(host)));
  }
  std::size_t width = 0;
  for (const auto& [host, probe] : probes) width = std::max(width, host->name.size());

  int status = 0;
  for (auto& [host, probe] : probes) {
    auto line = probe.get();
    if (line) {
      fmt::print("{:<{}}  {}  {}\n", host->name, width, providers::host_address_key(*host), *line);
    } else {
      fmt::print("{:<{}}  {}  error: {}\n", host->name, width, providers::host_address_key(*host),
                 line.error().message());
      status = 1;
    }
  }
  return status;
}

}  // namespace

SubcommandRunner setup_hosts(CLI::App& command) {
  auto path = std::make_shared<std::string>();
  add_stack_file_option(command, *path);
  return [path] { return hosts(*path); };
}

}  // namespace virtplan::cli

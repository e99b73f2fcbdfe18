#include "cli/host_survey.h"

#include "providers/host/host_identity.h"
#include "providers/host/host_script.h"
#include "providers/host/ssh_target.h"
#include "providers/host/transport_factory.h"
#include "providers/virsh/host_probe.h"
#include "providers/virsh/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

namespace virtplan::cli {

namespace {

using providers::Result;

// Runs as the host's user (never through sudo: who that user is, is one of
// the things read). $1 is the host's `become`, the rest are pool paths.
// One "KEY<TAB>VALUE..." line per fact; a path's line ends with the path,
// which may hold anything but a newline.
constexpr std::string_view k_survey_script =
    R"sh(b=$1; shift; printf 'user\t%s\t%s\n' "$(id -un)" "$(id -u)"; printf 'groups\t%s\n' "$(id -nG)"; )sh"
    R"sh(for s in /run/libvirt/libvirt-sock /run/libvirt/virtqemud-sock; do )sh"
    R"sh(if [ -S "$s" ]; then printf 'socket_group\t%s\n' "$(stat -c %G -- "$s")"; break; fi; done; )sh"
    R"sh(if [ "$b" = sudo ]; then if sudo -n true 2>/dev/null; then echo 'sudo	yes'; else echo 'sudo	no'; fi; fi; )sh"
    R"sh(if [ -r /sys/module/apparmor/parameters/enabled ]; then )sh"
    R"sh(case $(cat /sys/module/apparmor/parameters/enabled) in Y*) echo 'apparmor	enabled';; *) echo 'apparmor	disabled';; esac; fi; )sh"
    R"sh(if command -v getenforce >/dev/null 2>&1; then printf 'selinux\t%s\n' "$(getenforce)"; fi; )sh"
    R"sh(d=$(command -v dnsmasq || ls /usr/sbin/dnsmasq 2>/dev/null) && printf 'dnsmasq\t%s\n' "$d"; )sh"
    R"sh(f=$(sed -n 's/^[[:space:]]*firewall_backend[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' /etc/libvirt/network.conf 2>/dev/null); )sh"
    R"sh(if [ -z "$f" ]; then v=$(iptables -V 2>/dev/null || /usr/sbin/iptables -V 2>/dev/null); )sh"
    R"sh(case $v in *nf_tables*) f='iptables (nf_tables)';; *legacy*) f='iptables (legacy)';; '') f=;; *) f=iptables;; esac; fi; )sh"
    R"sh(printf 'firewall\t%s\n' "$f"; printf 'links\t%s\n' "$(ls /sys/class/net | tr '\n' ' ')"; )sh"
    R"sh(awk '/^MemTotal:/{t=$2} /^MemAvailable:/{a=$2} END{printf "memory\t%d\t%d\n", t*1024, a*1024}' /proc/meminfo; )sh"
    R"sh(printf 'cpus\t%s\n' "$(nproc)"; )sh"
    R"sh(t=; for c in curl wget; do command -v $c >/dev/null 2>&1 && t="$t $c"; done; printf 'download\t%s\n' "$t"; )sh"
    R"sh(for p; do q=$p; s=exists; if [ ! -d "$p" ]; then s=creatable; )sh"
    R"sh(while [ -n "$q" ] && [ ! -e "$q" ]; do q=${q%/*}; done; [ -n "$q" ] || q=/; [ -d "$q" ] || s=blocked; fi; )sh"
    R"sh(a=$(df -P -B1 -- "$q" 2>/dev/null | awk 'NR==2{print $4}'); l=; )sh"
    R"sh(if command -v getenforce >/dev/null 2>&1; then l=$(stat -c %C -- "$q" 2>/dev/null); fi; )sh"
    R"sh(printf 'path\t%s\t%s\t%s\t%s\t%s\n' "$s" "${a:-0}" "${l:--}" "$q" "$p"; done)sh";

std::vector<std::string> fields(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

std::set<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::set<std::string> out;
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

std::uint64_t number(const std::string& text) {
  try {
    return std::stoull(text);
  } catch (...) {
    return 0;
  }
}

std::string reached(const providers::HostConfig& host) {
  if (host.local) return "local";
  auto target = providers::resolve_ssh_target(host);
  if (!target) return providers::host_address_key(host);
  // where() is "NAME (ADDRESS...)": the part in parentheses.
  const std::string where = target->where();
  const auto open = where.find(" (");
  if (open == std::string::npos || where.back() != ')') return where;
  return where.substr(open + 2, where.size() - open - 3);
}

// The bridge a `virsh net-info` shows, or nothing.
std::optional<std::string> bridge_of(const std::string& info) {
  std::istringstream lines(info);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("Bridge:")) continue;
    auto w = words(line.substr(7));
    return w.empty() ? std::string() : *w.begin();
  }
  return std::nullopt;
}

// One virsh batch: versions, capabilities (KVM, host UUID), and each
// declared network libvirt already has (a failed net-info: not defined yet).
void read_libvirt(const providers::HostConfig& host, providers::Transport& transport,
                  const HostDemand& demand, HostSurvey& survey) {
  providers::VirshRunner virsh(transport, host.libvirt_uri, host.become);
  std::vector<std::vector<std::string>> calls{{"version"}, {"capabilities"}};
  for (const auto& network : demand.networks) calls.push_back({"net-info", network.name});
  auto results = virsh.batch(calls);
  for (std::size_t i = 0; i < 2; ++i) {
    if (!results.at(i)) {
      survey.libvirt_error = results[i].error();
      return;
    }
  }
  auto facts = providers::parse_host_facts(*results[0], *results[1]);
  auto uuid = providers::libvirt_host_uuid(*results[1]);
  if (!facts || !uuid) {
    survey.libvirt_error = !facts ? facts.error() : uuid.error();
    return;
  }
  survey.libvirt_version = facts->libvirt_version;
  survey.hypervisor = facts->hypervisor;
  survey.kvm = facts->kvm;
  survey.libvirt_uuid = *uuid;
  survey.ssh_host_key = transport.host_key();
  for (std::size_t i = 0; i < demand.networks.size() && i + 2 < results.size(); ++i) {
    if (!results[i + 2]) continue;
    if (auto bridge = bridge_of(*results[i + 2])) survey.network_bridges[demand.networks[i].name] = *bridge;
  }
}

// An image by URL the host downloads itself (not `fetch: client`), as the
// volume's content or its backing file.
bool fetched_on_host(const providers::Spec& spec) {
  if (spec.contains("backing_url")) return true;
  return spec.contains("source_url") && spec.value("source_fetch", std::string()) != "client";
}

}  // namespace

HostDemand demand_on(const planner::Stack& stack, const std::string& host) {
  HostDemand demand;
  std::map<std::string, std::size_t> pool_index;
  for (const auto& object : stack.objects) {
    if (object.id.host != host) continue;
    const auto& spec = object.spec;
    if (object.id.kind == "pool") {
      pool_index[object.id.name] = demand.pools.size();
      demand.pools.push_back({object.id.name, spec.value("path", std::string()), 0});
    } else if (object.id.kind == "network") {
      demand.networks.push_back(
          {object.id.name, spec.value("mode", std::string()), spec.value("bridge", std::string())});
    } else if (object.id.kind == "domain") {
      ++demand.domains;
      if (spec.contains("memory")) demand.memory_bytes += spec["memory"].value("current", std::uint64_t{0});
      if (spec.contains("vcpus"))
        demand.max_vcpus = std::max(demand.max_vcpus, spec["vcpus"].value("current", 0));
      if (spec.value("virt_type", std::string()) == "kvm") demand.kvm_domains.push_back(object.id.name);
    } else if (object.id.kind == "volume" && fetched_on_host(spec)) {
      demand.image_volumes.push_back(object.id.name);
    }
  }
  // Objects are sorted by address: volume after pool, so the index is complete.
  for (const auto& object : stack.objects) {
    if (object.id.host != host || object.id.kind != "volume") continue;
    auto it = pool_index.find(object.id.pool);
    if (it == pool_index.end()) continue;
    demand.pools[it->second].volume_bytes += object.spec.value("capacity", std::uint64_t{0});
  }
  return demand;
}

void parse_survey_script(const std::string& out, HostSurvey& survey) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const auto f = fields(line);
    const std::string& key = f[0];
    if (key == "user" && f.size() >= 3) {
      survey.user = f[1];
      survey.root = f[2] == "0";
    } else if (key == "groups" && f.size() >= 2) {
      survey.groups = words(f[1]);
    } else if (key == "socket_group" && f.size() >= 2) {
      survey.socket_group = f[1];
    } else if (key == "sudo" && f.size() >= 2) {
      survey.sudo = f[1] == "yes";
    } else if (key == "apparmor" && f.size() >= 2) {
      survey.apparmor = f[1];
    } else if (key == "selinux" && f.size() >= 2) {
      survey.selinux = f[1];
    } else if (key == "dnsmasq" && f.size() >= 2) {
      survey.dnsmasq = f[1];
    } else if (key == "firewall" && f.size() >= 2) {
      survey.firewall = f[1];
    } else if (key == "links" && f.size() >= 2) {
      survey.links = words(f[1]);
    } else if (key == "memory" && f.size() >= 3) {
      survey.memory_total = number(f[1]);
      survey.memory_available = number(f[2]);
    } else if (key == "download" && f.size() >= 2) {
      survey.download_tools = words(f[1]);
    } else if (key == "cpus" && f.size() >= 2) {
      survey.cpus = static_cast<int>(number(f[1]));
    } else if (key == "path" && f.size() >= 6) {
      survey.paths[f[5]] = {f[1], f[4], number(f[2]), f[3] == "-" ? "" : f[3]};
    }
  }
}

Result<HostSurvey> survey_host(const providers::HostConfig& host, const HostDemand& demand) {
  auto transport = providers::make_transport(host);
  if (!transport) return std::unexpected(transport.error());
  if (auto connected = (*transport)->connect(); !connected) return std::unexpected(connected.error());
  HostSurvey survey;
  survey.reached = reached(host);
  std::vector<std::string> args{host.become == providers::Become::sudo ? "sudo" : "none"};
  for (const auto& pool : demand.pools) {
    if (!pool.path.empty()) args.push_back(pool.path);
  }
  providers::Command command{providers::host_script_argv(providers::Become::none, k_survey_script,
                                                         "virtplan-check", std::move(args)),
                             std::nullopt, std::chrono::seconds(60)};
  auto ran = (*transport)->run(command);
  if (!ran) return std::unexpected(ran.error());
  parse_survey_script(ran->out, survey);
  read_libvirt(host, **transport, demand, survey);
  return survey;
}

}  // namespace virtplan::cli

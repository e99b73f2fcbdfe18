#include "cli/host_checks.h"

#include "providers/base/human_size.h"
#include "providers/host/host_permission.h"

#include <fmt/format.h>

#include <array>

namespace virtplan::cli {

namespace {

using providers::human_size;

struct Finding {
  std::string subject;  // appended to the check's name: "pool images"; empty for one line
  Verdict verdict;
  std::string detail;
};
using Findings = std::vector<Finding>;

Findings one(Verdict verdict, std::string detail) { return {{"", verdict, std::move(detail)}}; }

// The checks below see a reached host: CheckInput::survey holds a value.
const HostSurvey& got(const CheckInput& in) { return *in.survey; }

Findings reachable(const CheckInput& in) { return one(Verdict::ok, got(in).reached); }

Findings libvirt(const CheckInput& in) {
  const HostSurvey& s = got(in);
  if (s.libvirt_error) return one(Verdict::fail, s.libvirt_error->message());
  return one(Verdict::ok, fmt::format("libvirt {}, {}", s.libvirt_version, s.hypervisor));
}

Findings kvm(const CheckInput& in) {
  const HostSurvey& s = got(in);
  if (s.libvirt_error) return one(Verdict::skipped, "libvirt did not answer");
  if (s.kvm) return one(Verdict::ok, "KVM");
  if (!in.demand.kvm_domains.empty()) {
    return one(Verdict::fail, fmt::format("TCG only (no KVM), but domain {} has virt_type: kvm",
                                          fmt::join(in.demand.kvm_domains, ", ")));
  }
  return one(Verdict::warn, "TCG only (no KVM): domains with virt_type: auto run emulated, slowly");
}

Findings identity(const CheckInput& in) {
  const HostSurvey& s = got(in);
  if (s.libvirt_error) return one(Verdict::skipped, "libvirt did not answer");
  const std::string who = s.ssh_host_key.empty() ? fmt::format("libvirt host UUID {}", s.libvirt_uuid)
                                                 : fmt::format("libvirt host UUID {}; SSH host key {}",
                                                               s.libvirt_uuid, s.ssh_host_key);
  for (const auto& [name, other] : in.others) {
    if (other->libvirt_uuid.empty() || other->libvirt_uuid != s.libvirt_uuid) continue;
    // As apply decides (host_identity.h): both must agree, since cloned hosts
    // share SSH keys and some firmware gives every machine one UUID.
    if (!s.ssh_host_key.empty() && !other->ssh_host_key.empty() && s.ssh_host_key != other->ssh_host_key)
      continue;
    return one(Verdict::fail,
               fmt::format("the same host as '{}' ({}): declare each hypervisor once", name, who));
  }
  return one(Verdict::ok, who);
}

Findings permission(const CheckInput& in) {
  const HostSurvey& s = got(in);
  const std::string user = s.user.empty() ? in.config.user : s.user;
  if (in.config.become == providers::Become::sudo) {
    if (s.sudo.value_or(false)) return one(Verdict::ok, fmt::format("{} through sudo -n", user));
    auto hint = providers::permission_hint(in.config, "sudo: a password is required");
    return one(Verdict::fail, hint.value_or("sudo -n fails"));
  }
  if (s.root) return one(Verdict::ok, "root");
  const bool member = !s.socket_group.empty() && s.groups.contains(s.socket_group);
  if (member && !s.libvirt_error) {
    return one(Verdict::ok, fmt::format("{}, in group {} (libvirt's socket)", user, s.socket_group));
  }
  if (s.libvirt_error) {
    if (auto hint = providers::permission_hint(in.config, s.libvirt_error->message())) {
      return one(Verdict::fail, *hint);
    }
  }
  if (!s.libvirt_error) return one(Verdict::ok, fmt::format("{} (libvirt lets it in)", user));
  return one(Verdict::fail, fmt::format("{} is neither root nor in libvirt's group ({})", user,
                                        s.socket_group.empty() ? "no socket found" : s.socket_group));
}

Findings pools(const CheckInput& in) {
  Findings out;
  for (const auto& pool : in.demand.pools) {
    if (pool.path.empty()) continue;
    auto it = got(in).paths.find(pool.path);
    if (it == got(in).paths.end()) {
      out.push_back({pool.name, Verdict::fail, fmt::format("{}: not read", pool.path)});
    } else if (it->second.state == "exists") {
      out.push_back({pool.name, Verdict::ok, fmt::format("{} exists", pool.path)});
    } else if (it->second.state == "creatable") {
      out.push_back(
          {pool.name, Verdict::ok, fmt::format("{} will be made, in {}", pool.path, it->second.nearest)});
    } else {
      out.push_back({pool.name, Verdict::fail,
                     fmt::format("{} cannot be made: {} is not a directory", pool.path, it->second.nearest)});
    }
  }
  return out;
}

Findings space(const CheckInput& in) {
  Findings out;
  for (const auto& pool : in.demand.pools) {
    if (pool.path.empty()) continue;
    auto it = got(in).paths.find(pool.path);
    if (it == got(in).paths.end()) continue;
    const auto free = it->second.free_bytes;
    const std::string detail =
        fmt::format("{} of volumes declared, {} free on {}", human_size(pool.volume_bytes), human_size(free),
                    it->second.nearest);
    out.push_back({pool.name, pool.volume_bytes > free ? Verdict::fail : Verdict::ok, detail});
  }
  return out;
}

Findings security(const CheckInput& in) {
  const HostSurvey& s = got(in);
  if (s.selinux == "Enforcing") {
    Findings out{{"", Verdict::ok, "SELinux enforcing"}};
    for (const auto& pool : in.demand.pools) {
      auto it = s.paths.find(pool.path);
      if (pool.path.empty() || it == s.paths.end()) continue;
      const bool labelled = it->second.selinux_label.find("virt_image_t") != std::string::npos;
      out.push_back({pool.name, labelled ? Verdict::ok : Verdict::fail,
                     labelled
                         ? fmt::format("{} is labelled {}", it->second.nearest, it->second.selinux_label)
                         : fmt::format("{} is labelled {}, not virt_image_t: guests cannot open their disks "
                                       "(semanage fcontext -a -t virt_image_t '{}(/.*)?'; restorecon -R {})",
                                       it->second.nearest, it->second.selinux_label, pool.path, pool.path)});
    }
    return out;
  }
  if (!s.selinux.empty() && s.selinux != "Disabled") return one(Verdict::ok, "SELinux " + s.selinux);
  if (s.apparmor == "enabled") return one(Verdict::ok, "AppArmor (libvirt's helper allows each disk)");
  return one(Verdict::ok, "neither AppArmor nor SELinux");
}

Findings nat(const CheckInput& in) {
  const HostSurvey& s = got(in);
  bool wanted = false;
  for (const auto& network : in.demand.networks) wanted = wanted || network.mode == "nat";
  if (!wanted) return {};
  if (s.dnsmasq.empty()) return one(Verdict::fail, "NAT networks need dnsmasq, and the host has none");
  if (s.firewall.empty())
    return one(Verdict::fail, "NAT networks need a firewall backend: no iptables or nft");
  return one(Verdict::ok, fmt::format("dnsmasq {}, firewall {}", s.dnsmasq, s.firewall));
}

Findings bridges(const CheckInput& in) {
  const HostSurvey& s = got(in);
  Findings out;
  for (const auto& network : in.demand.networks) {
    if (network.bridge.empty()) continue;
    auto owner = s.network_bridges.find(network.name);
    if (owner != s.network_bridges.end() && owner->second == network.bridge) {
      out.push_back({network.bridge, Verdict::ok, fmt::format("network {}'s already", network.name)});
    } else if (network.mode != "bridge" && s.links.contains(network.bridge)) {
      out.push_back(
          {network.bridge, Verdict::fail,
           fmt::format("network {} would make it, but the host already has an interface of that name",
                       network.name)});
    } else if (network.mode == "bridge" && !s.links.contains(network.bridge)) {
      out.push_back(
          {network.bridge, Verdict::fail,
           fmt::format("network {} uses this existing bridge, and the host has none", network.name)});
    } else {
      out.push_back({network.bridge, Verdict::ok, network.mode == "bridge" ? "exists" : "free"});
    }
  }
  return out;
}

Findings memory(const CheckInput& in) {
  const HostSurvey& s = got(in);
  if (in.demand.domains == 0) return {};
  const std::string detail =
      fmt::format("{} for {} domain(s), {} available of {}", human_size(in.demand.memory_bytes),
                  in.demand.domains, human_size(s.memory_available), human_size(s.memory_total));
  if (in.demand.memory_bytes > s.memory_total) return one(Verdict::fail, detail);
  if (in.demand.memory_bytes > s.memory_available) return one(Verdict::warn, detail);
  return one(Verdict::ok, detail);
}

Findings cpus(const CheckInput& in) {
  const HostSurvey& s = got(in);
  if (in.demand.domains == 0) return {};
  const std::string detail = fmt::format("at most {} vCPUs per domain, {} CPUs", in.demand.max_vcpus, s.cpus);
  return one(in.demand.max_vcpus > s.cpus ? Verdict::warn : Verdict::ok, detail);
}

// What downloads an image by URL on the host (storage/image_fetch.h): curl,
// else wget. Neither fails only a host that has such images to fetch.
Findings download(const CheckInput& in) {
  const auto& tools = got(in).download_tools;
  if (tools.contains("curl"))
    return one(Verdict::ok, tools.contains("wget") ? "curl (wget too)" : "curl (no wget)");
  if (tools.contains("wget")) return one(Verdict::ok, "wget (no curl)");
  if (in.demand.image_volumes.empty())
    return one(Verdict::ok, "neither curl nor wget (no image by URL is fetched here)");
  return one(Verdict::fail, fmt::format("neither curl nor wget, but volume {} has an image by URL to fetch "
                                        "(install curl, or use fetch: client)",
                                        fmt::join(in.demand.image_volumes, ", ")));
}

struct HostCheck {
  std::string_view name;
  Findings (*run)(const CheckInput&);
};

// In the order the table prints them. A check with nothing to look at (no
// NAT network, no domain) prints no line.
constexpr std::array k_host_checks{
    HostCheck{"reachable", &reachable}, HostCheck{"libvirt", &libvirt},       HostCheck{"kvm", &kvm},
    HostCheck{"identity", &identity},   HostCheck{"permission", &permission}, HostCheck{"pool", &pools},
    HostCheck{"space", &space},         HostCheck{"security", &security},     HostCheck{"nat", &nat},
    HostCheck{"bridge", &bridges},      HostCheck{"memory", &memory},         HostCheck{"cpus", &cpus},
    HostCheck{"download", &download},
};

}  // namespace

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok:
      return "ok";
    case Verdict::warn:
      return "warn";
    case Verdict::fail:
      return "FAIL";
    case Verdict::skipped:
      return "skipped";
  }
  return "?";
}

std::vector<CheckLine> check_host(const CheckInput& input) {
  std::vector<CheckLine> lines;
  if (!input.survey) {
    lines.push_back({input.host, "reachable", Verdict::fail, input.survey.error().message()});
    for (const HostCheck& check : k_host_checks) {
      if (check.name != "reachable")
        lines.push_back({input.host, std::string(check.name), Verdict::skipped, ""});
    }
    return lines;
  }
  for (const HostCheck& check : k_host_checks) {
    for (Finding& f : check.run(input)) {
      std::string name(check.name);
      if (!f.subject.empty()) name += " " + f.subject;
      lines.push_back({input.host, std::move(name), f.verdict, std::move(f.detail)});
    }
  }
  return lines;
}

std::vector<std::string> host_check_names() {
  std::vector<std::string> names;
  for (const HostCheck& check : k_host_checks) names.emplace_back(check.name);
  return names;
}

}  // namespace virtplan::cli

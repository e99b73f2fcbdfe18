#include "kvm/domain_reconciler.h"

#include "kvm/disk_keys.h"
#include "kvm/domain_nic_options.h"
#include "providers/xml/document.h"

#include <map>
#include <set>
#include <vector>

namespace virtplan::kvm {

using nlohmann::json;

namespace {

std::string source_of(const json& nic) {
  if (nic.contains("network")) return "network:" + nic.at("network").get<std::string>();
  if (nic.contains("bridge")) return "bridge:" + nic.at("bridge").get<std::string>();
  if (nic.contains("direct")) return "direct:" + nic.at("direct").get<std::string>();
  return {};
}

// A NIC option the stack leaves out is not managed: the domain's value
// stands (NicOptions). `false` (none) where the domain has none is the same
// thing. An Open vSwitch port's interfaceid is libvirt's to choose when the
// stack gives none (it fills one in at define).
void take_unmanaged_options(json& nics, const json& observed_nics) {
  for (auto item : nics.items()) {
    if (!observed_nics.contains(item.key())) continue;
    json& nic = item.value();
    const json& seen = observed_nics.at(item.key());
    for (std::string_view name : NicOptions::keys()) {
      const std::string option(name);
      if (!nic.contains(option)) {
        if (seen.contains(option)) nic[option] = seen.at(option);
      } else if (nic.at(option) == false && !seen.contains(option)) {
        nic.erase(option);
      }
    }
    if (nic.contains("virtualport") && nic.at("virtualport").is_object() &&
        !nic.at("virtualport").contains("interfaceid") && seen.contains("virtualport") &&
        seen.at("virtualport").is_object() && seen.at("virtualport").contains("interfaceid") &&
        seen.at("virtualport").at("type") == nic.at("virtualport").at("type"))
      nic["virtualport"]["interfaceid"] = seen.at("virtualport").at("interfaceid");
  }
}

bool is_placeholder(const std::string& key) { return key.find('#') != std::string::npos; }

// The placeholders of one source, in N order ("#2" before "#10").
std::vector<std::string> placeholders_in_order(const json& nics, const std::string& source) {
  std::map<int, std::string> ordered;
  for (const auto& item : nics.items()) {
    const std::string& key = item.key();
    if (!is_placeholder(key) || source_of(item.value()) != source) continue;
    ordered[std::atoi(key.substr(key.rfind('#') + 1).c_str())] = key;
  }
  std::vector<std::string> out;
  for (const auto& [n, key] : ordered) out.push_back(key);
  return out;
}

void pair_nics(json& nics, const json& observed_nics) {
  std::set<std::string> sources;
  for (const auto& item : nics.items()) {
    if (is_placeholder(item.key())) sources.insert(source_of(item.value()));
  }
  for (const std::string& source : sources) {
    std::vector<std::string> free_macs;
    for (const auto& item : observed_nics.items()) {
      if (!nics.contains(item.key()) && source_of(item.value()) == source) free_macs.push_back(item.key());
    }
    std::vector<std::string> waiting = placeholders_in_order(nics, source);
    for (bool same_model : {true, false}) {
      for (const std::string& key : waiting) {
        if (!nics.contains(key)) continue;  // paired in the first round
        for (auto mac = free_macs.begin(); mac != free_macs.end(); ++mac) {
          if (same_model && observed_nics.at(*mac).value("model", "") != nics.at(key).value("model", ""))
            continue;
          json nic = nics.at(key);
          nic["mac"] = *mac;
          nics.erase(key);
          nics[*mac] = nic;
          free_macs.erase(mac);
          break;
        }
      }
    }
  }
}

// A `cpu:` without topology or features leaves the domain's (kvm/domain_cpu_layout.h);
// empty features where the domain has none are the same thing.
void take_unmanaged_cpu_layout(json& desired, const json& observed) {
  if (!desired.contains("cpu")) return;
  json& cpu = desired["cpu"];
  const json seen = observed.contains("cpu") ? observed.at("cpu") : json::object();
  for (const char* key : {"topology", "features"}) {
    if (!cpu.contains(key) && seen.contains(key)) cpu[key] = seen.at(key);
  }
  if (cpu.contains("features") && !seen.contains("features") && cpu.at("features").at("require").empty() &&
      cpu.at("features").at("disable").empty())
    cpu.erase("features");
}

// A disk's tuning keys the stack leaves out are not managed (DiskKeys): the
// disk keeps what it has.
void keep_unmanaged_disk_keys(json& desired, const json& observed) {
  if (!desired.contains("disks") || !observed.contains("disks")) return;
  for (auto& [target, disk] : desired.at("disks").items()) {
    if (observed.at("disks").contains(target))
      DiskKeys::reconcile_unmanaged(disk, observed.at("disks").at(target));
  }
}

}  // namespace

json DomainReconciler::reconcile(const json& desired, const json& observed) {
  json out = desired;
  if (out.contains("interfaces") && observed.contains("interfaces")) {
    pair_nics(out["interfaces"], observed.at("interfaces"));
    take_unmanaged_options(out["interfaces"], observed.at("interfaces"));
  }
  keep_unmanaged_disk_keys(out, observed);
  if (out.value("virt_type", "") == "auto" && observed.contains("virt_type") &&
      observed.at("virt_type") != "auto") {
    out["virt_type"] = observed.at("virt_type");
  }
  // libvirt gives a TCG domain without a CPU model its default (custom
  // qemu64): a stack that pins vCPUs but names no mode leaves it to libvirt.
  if (out.contains("cpu") && !out.at("cpu").contains("mode") && observed.contains("cpu") &&
      observed.at("cpu").contains("mode")) {
    for (const char* key : {"mode", "model"}) {
      if (observed.at("cpu").contains(key)) out["cpu"][key] = observed.at("cpu").at(key);
    }
  }
  take_unmanaged_cpu_layout(out, observed);
  // `uefi:` keys the stack leaves out are the domain's (kvm/domain_uefi.h).
  if (out.contains("uefi") && observed.contains("uefi")) {
    for (const auto& item : observed.at("uefi").items()) {
      if (!out.at("uefi").contains(item.key())) out["uefi"][item.key()] = item.value();
    }
  }
  return out;
}

std::string host_virt_type(const std::string& capabilities_xml) {
  auto document = providers::XmlDocument::parse(capabilities_xml, "capabilities");
  if (!document) return "qemu";
  auto found = document->root().xpath_nodes(
      "/capabilities/guest[os_type='hvm'][arch/@name='x86_64']/arch/domain[@type='kvm']");
  return found && !found->empty() ? "kvm" : "qemu";
}

}  // namespace virtplan::kvm

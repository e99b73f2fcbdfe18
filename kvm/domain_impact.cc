#include "kvm/domain_impact.h"

#include <string>
#include <vector>

namespace virtplan::kvm {

using providers::Impact;

namespace {

std::vector<std::string> tokens(std::string_view path) {
  std::vector<std::string> out;
  std::size_t at = path.starts_with("/") ? 1 : 0;
  while (at <= path.size() && !path.empty()) {
    std::size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// Adding or removing a whole disk: hot-plug works on virtio and scsi only.
Impact disk_item(const nlohmann::json& before, const nlohmann::json& after) {
  const nlohmann::json& disk = after.is_object() ? after : before;
  std::string bus = disk.is_object() ? disk.value("bus", "") : "";
  return bus == "virtio" || bus == "scsi" ? Impact::live : Impact::restart;
}

Impact disk_field(const std::vector<std::string>& t, const nlohmann::json& before, const nlohmann::json& after) {
  if (t.size() == 2) {
    if (before.is_null() || after.is_null()) return disk_item(before, after);
    return Impact::restart;
  }
  return t[2] == "media" ? Impact::live : Impact::restart;
}

Impact interface_field(const std::vector<std::string>& t) {
  if (t.size() == 2) return Impact::live;  // whole NIC added or removed
  return t[2] == "network" || t[2] == "bridge" || t[2] == "link" ? Impact::live : Impact::restart;
}

}  // namespace

Impact DomainImpact::of(std::string_view path, const nlohmann::json& before, const nlohmann::json& after) {
  std::vector<std::string> t = tokens(path);
  if (t.empty()) return Impact::restart;
  const std::string& top = t[0];
  // How apply behaves, not the guest: nothing to do on the host but record it.
  if (top == "restart" || top == "wait" || top == "shutdown_timeout") return Impact::none;
  if (top == "autostart" || top == "state" || top == "title" || top == "description") return Impact::live;
  if (top == "vcpus" || top == "memory") {
    return t.size() == 2 && t[1] == "current" ? Impact::live : Impact::restart;
  }
  if (top == "disks" && t.size() >= 2) return disk_field(t, before, after);
  if (top == "interfaces" && t.size() >= 2) return interface_field(t);
  if (top == "hostdevs" && t.size() == 2 && (before.is_null() || after.is_null())) return Impact::live;
  return Impact::restart;
}

}  // namespace virtplan::kvm

#include "kvm/disk_keys.h"

#include "kvm/domain_yaml_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <regex>
#include <vector>

namespace virtplan::kvm {

using nlohmann::json;
using providers::ErrorCode;
using providers::Result;
using providers::XmlNode;

namespace {

using KeyValue = std::expected<json, std::string>;

constexpr std::array<std::string_view, 6> k_disk_keys = {"io",     "discard", "detect_zeroes",
                                                         "iotune", "serial",  "boot_order"};
constexpr std::array<std::string_view, 6> k_iotune_limits = {"total_bytes_sec", "read_bytes_sec",
                                                             "write_bytes_sec", "total_iops_sec",
                                                             "read_iops_sec",   "write_iops_sec"};
// The <driver> attributes among the keys, each with the values libvirt 9.0 takes.
const std::map<std::string, std::vector<std::string>, std::less<>> k_driver_keys = {
    {"io", {"native", "threads", "io_uring"}},
    {"discard", {"unmap", "ignore"}},
    {"detect_zeroes", {"off", "on", "unmap"}},
};

std::unexpected<std::string> refused(std::string message) { return std::unexpected(std::move(message)); }

KeyValue one_of_values(const json& value, const std::vector<std::string>& allowed, std::string_view key) {
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (!value.is_string() || std::find(allowed.begin(), allowed.end(), text) == allowed.end())
    return refused(fmt::format("{}: expected one of {}, got '{}'", key, fmt::join(allowed, ", "), text));
  return value;
}

KeyValue iotune_limits(const json& value) {
  if (!value.is_object())
    return refused(fmt::format("iotune: expected a map of {}", fmt::join(k_iotune_limits, ", ")));
  for (const auto& item : value.items()) {
    if (std::find(k_iotune_limits.begin(), k_iotune_limits.end(), item.key()) == k_iotune_limits.end())
      return refused(fmt::format("iotune: unknown key '{}' (expected {})", item.key(),
                                 fmt::join(k_iotune_limits, ", ")));
    const json& limit = item.value();
    if (!limit.is_number_integer() || limit.get<long long>() <= 0)
      return refused(fmt::format("iotune {}: expected a number above 0, got {}", item.key(), limit.dump()));
  }
  // libvirt refuses a total with its read or write limit ("total and
  // read/write of bytes_sec cannot be set at the same time").
  for (const char* unit : {"bytes_sec", "iops_sec"}) {
    const std::string total = fmt::format("total_{}", unit);
    for (const char* side : {"read", "write"}) {
      const std::string one = fmt::format("{}_{}", side, unit);
      if (value.contains(total) && value.contains(one))
        return refused(fmt::format(
            "iotune: {} cannot be set with {} (libvirt takes a total or read/write limits)", total, one));
    }
  }
  json out = json::object();
  for (const auto& item : value.items()) out[item.key()] = item.value().get<std::uint64_t>();
  return out;
}

KeyValue disk_serial(const json& value) {
  // libvirt's schema: [A-Za-z0-9_\.\+\- ]+
  static const std::regex k_serial("[A-Za-z0-9_ .+-]+");
  if (!value.is_string() || !std::regex_match(value.get<std::string>(), k_serial))
    return refused(fmt::format("serial: expected letters, digits, space, _ . + or -, got {}", value.dump()));
  return value;
}

KeyValue disk_boot_order(const json& value) {
  if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 65535)
    return refused(fmt::format("boot_order: expected a number from 1, got {}", value.dump()));
  return value;
}

// The limits of the XML's <iotune> above 0 (0 is no limit); none: no key.
void read_iotune(XmlNode element, json& out) {
  json limits = json::object();
  for (std::string_view key : k_iotune_limits) {
    auto child = element.child(key);
    if (!child) continue;
    const std::uint64_t value = std::strtoull(child->text().c_str(), nullptr, 10);
    if (value > 0) limits[std::string(key)] = value;
  }
  if (!limits.empty()) out["iotune"] = limits;
}

void write_iotune(XmlNode disk, const json& limits) {
  if (auto old = disk.child("iotune")) old->remove();
  if (limits.empty()) return;
  XmlNode element = disk.add_child("iotune");
  for (std::string_view key : k_iotune_limits) {
    if (limits.contains(key))
      element.add_child(key).set_text(std::to_string(limits.at(key).get<std::uint64_t>()));
  }
}

}  // namespace

std::span<const std::string_view> DiskKeys::keys() { return k_disk_keys; }

std::span<const std::string_view> DiskKeys::iotune_keys() { return k_iotune_limits; }

KeyValue DiskKeys::canonical(std::string_view key, const json& value) {
  if (auto driver = k_driver_keys.find(key); driver != k_driver_keys.end())
    return one_of_values(value, driver->second, key);
  if (key == "iotune") return iotune_limits(value);
  if (key == "serial") return disk_serial(value);
  if (key == "boot_order") return disk_boot_order(value);
  return refused(fmt::format("unknown disk key '{}'", key));
}

Result<DiskKeys> DiskKeys::from_json(const json& disk, const std::string& path) {
  DiskKeys out;
  for (std::string_view key : k_disk_keys) {
    if (!disk.contains(key)) continue;
    auto value = canonical(key, disk.at(key));
    if (!value) return providers::fail(ErrorCode::invalid, fmt::format("{}/{}", path, value.error()));
    out.declared[std::string(key)] = *value;
  }
  return out;
}

void DiskKeys::put(json& disk) const {
  for (const auto& item : declared.items()) disk[item.key()] = item.value();
}

DiskKeys DiskKeys::read_xml(XmlNode disk) {
  DiskKeys out;
  if (auto driver = disk.child("driver")) {
    for (const auto& [key, allowed] : k_driver_keys) {
      if (auto value = driver->attr(key)) out.declared[key] = *value;
    }
  }
  if (auto element = disk.child("iotune")) read_iotune(*element, out.declared);
  if (auto element = disk.child("serial")) out.declared["serial"] = element->text();
  if (auto element = disk.child("boot")) {
    if (auto order = element->attr("order")) out.declared["boot_order"] = std::atoi(order->c_str());
  }
  return out;
}

void DiskKeys::write_xml(XmlNode disk) const {
  for (const auto& [key, allowed] : k_driver_keys) {
    if (!declared.contains(key)) continue;
    XmlNode driver = disk.ensure_child("driver");
    driver.set_attr("name", "qemu");
    driver.set_attr(key, declared.at(key).get<std::string>());
  }
  if (declared.contains("iotune")) write_iotune(disk, declared.at("iotune"));
  if (declared.contains("serial"))
    disk.ensure_child("serial").set_text(declared.at("serial").get<std::string>());
  if (declared.contains("boot_order"))
    disk.ensure_child("boot").set_attr("order", std::to_string(declared.at("boot_order").get<int>()));
}

DiskKeys DiskKeys::read_yaml(providers::YamlMap& map, providers::Diagnostics& diags) {
  DiskKeys out;
  read_canonical_keys(map, diags, k_disk_keys, canonical,
                      [&](std::string_view key, json value, const providers::YamlValue&) {
                        out.declared[std::string(key)] = std::move(value);
                      });
  return out;
}

void DiskKeys::reconcile_unmanaged(json& desired, const json& observed) {
  if (!desired.is_object() || !observed.is_object()) return;
  for (std::string_view key : k_disk_keys) {
    if (!desired.contains(key) && observed.contains(key)) desired[std::string(key)] = observed.at(key);
  }
  // `iotune: {}` (no limits) is what a disk without <iotune> has.
  if (desired.contains("iotune") && desired.at("iotune").empty() && !observed.contains("iotune"))
    desired.erase("iotune");
}

}  // namespace virtplan::kvm

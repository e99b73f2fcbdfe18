#include "kvm/domain_field_rules.h"

#include <string>

namespace virtplan::kvm {

using providers::FieldRule;
using providers::Impact;
using providers::item_added;
using providers::item_removed;

namespace {

// Hot-plug works on virtio and scsi disks only (QEMU's AHCI has none).
bool is_hotplug_bus(const nlohmann::json& disk) {
  std::string bus = disk.is_object() ? disk.value("bus", "") : "";
  return bus == "virtio" || bus == "scsi";
}

bool hotplug_disk_added(const nlohmann::json& before, const nlohmann::json& after) {
  return item_added(before, after) && is_hotplug_bus(after);
}

bool hotplug_disk_removed(const nlohmann::json& before, const nlohmann::json& after) {
  return item_removed(before, after) && is_hotplug_bus(before);
}

constexpr FieldRule k_domain_rules[] = {
    // How apply behaves, not the guest: nothing to do on the host but record it.
    {"/restart", Impact::none, domain_live::metadata},
    {"/wait/**", Impact::none, domain_live::metadata},
    {"/shutdown_timeout", Impact::none, domain_live::metadata},
    {"/autostart", Impact::live, domain_live::autostart, nullptr, true},
    {"/state", Impact::live, domain_live::power, nullptr, true},
    {"/title", Impact::live, domain_live::title},
    {"/description", Impact::live, domain_live::description},
    {"/vcpus/current", Impact::live, domain_live::vcpus},
    {"/memory/current", Impact::live, domain_live::memory},
    {"/disks/*", Impact::live, domain_live::attach, hotplug_disk_added},
    {"/disks/*", Impact::live, domain_live::detach, hotplug_disk_removed},
    {"/disks/*/media/**", Impact::live, domain_live::update},
    {"/interfaces/*", Impact::live, domain_live::attach, item_added},
    {"/interfaces/*", Impact::live, domain_live::detach, item_removed},
    {"/interfaces/*/network", Impact::live, domain_live::update},
    {"/interfaces/*/bridge", Impact::live, domain_live::update},
    {"/interfaces/*/link", Impact::live, domain_live::update},
    // libvirt changes a running NIC's bandwidth (domiftune --live, the tc
    // rules on its tap or macvtap device); its vlan, virtualport, MTU, macvtap
    // device and mode update-device refuses ("cannot modify", measured on
    // libvirt 9.0: README), so they fall to the restart below.
    {"/interfaces/*/bandwidth/**", Impact::live, domain_live::iftune},
    {"/hostdevs/*", Impact::live, domain_live::attach, item_added},
    {"/hostdevs/*", Impact::live, domain_live::detach, item_removed},
    // Measured on libvirt 9.0: update-device changes a VNC/SPICE password
    // live; listen address, port and type it refuses ("cannot change").
    {"/graphics/password", Impact::live, domain_live::update},
    // Measured on libvirt 9.0 (README, "Disks: by path, and their tuning
    // keys"): blkdeviotune changes a running disk's limits; update-device
    // refuses a disk's cache, io, discard, serial, boot order, readonly and
    // shareable ("cannot modify field"), and takes detect_zeroes without
    // changing the running disk.
    {"/disks/*/iotune/**", Impact::live, domain_live::iotune},
    {"/**", Impact::restart},
};

std::string state_of(const nlohmann::json& spec, std::string_view otherwise) {
  if (!spec.is_object() || !spec.contains("state") || !spec.at("state").is_string())
    return std::string(otherwise);
  return spec.at("state").get<std::string>();
}

}  // namespace

const providers::FieldRules& domain_field_rules() {
  static constexpr providers::FieldRules k_table{k_domain_rules};
  return k_table;
}

providers::Running domain_running(const nlohmann::json& observed, const nlohmann::json& desired) {
  // A desired spec without "state" keeps the domain as it is (the stack's
  // default is running).
  const std::string now = state_of(observed, "stopped");
  const std::string wanted = state_of(desired, now);
  return now != "stopped" && wanted != "stopped" ? providers::Running::yes : providers::Running::no;
}

}  // namespace virtplan::kvm

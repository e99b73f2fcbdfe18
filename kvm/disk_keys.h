#pragma once

// DiskKeys are the optional tuning keys of one disk of a domain (issue 17
// item 3), in canonical JSON at the disk's own level (DomainSpec):
//   io             "native" | "threads" | "io_uring"          <driver io=>
//   discard        "unmap" | "ignore"                          <driver discard=>
//   detect_zeroes  "off" | "on" | "unmap"                      <driver detect_zeroes=>
//   iotune         {"total_bytes_sec"?, "read_bytes_sec"?, "write_bytes_sec"?,
//                   "total_iops_sec"?, "read_iops_sec"?, "write_iops_sec"?: N}
//                  <iotune>; N > 0, a total never with its read/write (libvirt
//                  refuses both); {} is no limit at all
//   serial         TEXT (letters, digits, space, _ . + -)      <serial>
//   boot_order     1, 2, ...: unique among the domain's disks <boot order=N/>
//                  (then libvirt refuses <os><boot dev=...>: the writer leaves
//                  it out)
// A key the stack leaves out is not managed: DomainReconciler takes the
// observed disk's value (reconcile_unmanaged), so a domain imported before
// these keys existed, or one whose XML has them and the stack does not,
// plans no change; an update keeps what the <disk> element has of it. Read
// from libvirt's XML, a key is there when the XML has it. Impact classes:
// kvm/domain_field_rules.h (iotune is live through blkdeviotune, the rest
// takes a restart: measured on libvirt 9.0, README "Disks: by path, and their tuning keys").

#include "providers/base/diagnostics.h"
#include "providers/base/error.h"
#include "providers/base/yaml_map.h"
#include "providers/xml/node.h"

#include <nlohmann/json.hpp>

#include <expected>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace virtplan::kvm {

struct DiskKeys {
  nlohmann::json declared = nlohmann::json::object();  // by key, canonical

  // The keys, in the order the docs list them.
  static std::span<const std::string_view> keys();
  // The iotune limits, as libvirt's XML and `virsh blkdeviotune` name them
  // (with - for _ there).
  static std::span<const std::string_view> iotune_keys();
  // A stack's value of `key` (YAML read as JSON) in canonical form, or why it is wrong.
  static std::expected<nlohmann::json, std::string> canonical(std::string_view key,
                                                              const nlohmann::json& value);

  // The keys of a canonical disk, checked (the message names the key under `path`).
  static providers::Result<DiskKeys> from_json(const nlohmann::json& disk, const std::string& path);
  // Adds the keys to a canonical disk.
  void put(nlohmann::json& disk) const;

  // The keys a <disk> element has.
  static DiskKeys read_xml(providers::XmlNode disk);
  // Sets the declared keys on a <disk> element; the others it has stay.
  void write_xml(providers::XmlNode disk) const;

  // Reads the keys of one disk of a stack, reporting bad values where they are.
  static DiskKeys read_yaml(providers::YamlMap& map, providers::Diagnostics& diags);

  // A desired disk's keys the stack leaves out take `observed`'s value.
  static void reconcile_unmanaged(nlohmann::json& desired, const nlohmann::json& observed);
};

}  // namespace virtplan::kvm

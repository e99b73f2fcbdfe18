#pragma once

// DomainYamlReader reads one domain's keys from the stack into a DomainSpec,
// reporting every bad value with its file:line:column, and fills in the
// defaults (state running, autostart false, restart if-needed, machine q35,
// arch x86_64, virt_type auto, firmware bios, disk bus virtio, CD-ROM bus
// sata, NIC model virtio) so that a default never shows as a change.
//
// Disks without a target get one from DiskTargetAllocator. `cloud_init:` adds
// the seed CD-ROM: a read-only sata CD-ROM of volume "<domain>-cidata" whose
// pool is the pool of the first non-CD-ROM disk in target order (filled by
// DomainKind::resolve() when that pool comes from a volume). NICs without a
// `mac:` are keyed "network:NAME#N" / "bridge:NAME#N" (N counts from 1 among
// the MAC-less NICs on that source, in list order).

#include "kvm/disk_target_allocator.h"
#include "kvm/domain_spec.h"
#include "providers/base/diagnostics.h"
#include "providers/base/yaml_map.h"
#include "providers/kind/resource_kind.h"

#include <map>
#include <span>
#include <string>
#include <string_view>

namespace virtplan::kvm {

class DomainYamlReader {
public:
  DomainYamlReader(providers::StackObject& object, providers::Diagnostics& diags)
      : m_object(object), m_diags(diags) {}

  // Reads every key a domain accepts from `map` into object.spec and
  // object.locations.
  void read(providers::YamlMap& map);

private:
  using YamlValue = providers::YamlValue;
  using YamlMap = providers::YamlMap;

  void read_scalars(YamlMap& map);
  void read_vcpus(const YamlValue& value);
  void read_memory(const YamlValue& value);
  void read_cpu(const YamlValue& value);
  void read_pin(const YamlValue& value, DomainSpec::Cpu& cpu);
  void read_cpu_layout(YamlMap& map, DomainSpec::Cpu& cpu);
  void read_numa(const YamlValue& value);
  void read_disks(const YamlValue& value);
  void read_disk(const YamlValue& value, DiskTargetAllocator& targets);
  void read_interfaces(const YamlValue& value);
  void read_interface(const YamlValue& value, std::map<std::string, int>& unkeyed);
  bool read_direct(providers::YamlMap& map, DomainSpec::Interface& nic);
  void read_hostdevs(const YamlValue& value);
  void read_boot(const YamlValue& value);
  void read_cloud_init(const YamlValue& value);
  void read_wait(const YamlValue& value);
  void read_security(const YamlValue& value);
  void read_uefi(const YamlValue& value);
  void read_xml(const YamlValue& value);
  void add_seed_disk();
  void check_pins();

  void remember(const std::string& path, const YamlValue& value);

  providers::StackObject& m_object;
  providers::Diagnostics& m_diags;
  DomainSpec m_spec;
  // Explicit targets first (reserved before any is allocated).
  DiskTargetAllocator m_targets;
  std::optional<YamlValue> m_pin_where;
  std::optional<YamlValue> m_topology_where;
};

// Converts YAML (inline cloud-init data) to JSON: plain scalars become
// booleans, integers and null where YAML 1.2's core schema says so.
nlohmann::json yaml_to_json(const YAML::Node& node);

// Reads each of `keys` that a stack's `map` has, in the canonical form
// `canonical(key, value as JSON)` gives it, and hands it to
// `keep(key, canonical value, the YAML value)`; a value canonical() refuses
// is reported where it stands and not kept. How DiskKeys, NicOptions and
// DomainDevices read their keys.
template <class Canonical, class Keep>
void read_canonical_keys(providers::YamlMap& map, providers::Diagnostics& diags,
                         std::span<const std::string_view> keys, Canonical canonical, Keep keep) {
  for (std::string_view key : keys) {
    auto value = map.get(key);
    if (!value) continue;
    auto canonical_value = canonical(key, yaml_to_json(value->node()));
    if (!canonical_value) {
      value->error(diags, canonical_value.error());
      continue;
    }
    keep(key, std::move(*canonical_value), *value);
  }
}

// The pool of the cloud-init seed CD-ROM: the pool of the first non-CD-ROM
// disk in target order; sets it on the seed disk when known.
void fill_seed_pool(DomainSpec& spec, const std::string& domain_name);

}  // namespace virtplan::kvm

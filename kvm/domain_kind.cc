#include "kvm/domain_kind.h"

#include "kvm/domain_actuator.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_reader.h"
#include "kvm/domain_reconciler.h"
#include "kvm/domain_saved_state.h"
#include "kvm/domain_spec.h"
#include "kvm/domain_stack_writer.h"
#include "kvm/domain_xml_reader.h"
#include "kvm/domain_xml_updater.h"
#include "kvm/domain_xml_writer.h"
#include "kvm/domain_yaml_reader.h"
#include "providers/base/human_size.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <set>
#include <utility>

namespace virtplan::kvm {

using nlohmann::json;
using providers::Diagnostics;
using providers::ErrorCode;
using providers::ObjectId;
using providers::Reference;
using providers::Result;
using providers::Spec;
using providers::StackIndex;
using providers::StackObject;

namespace {

// The content hash of a seed volume's spec (storage/cloud_init_volumes.h), read as JSON only.
const json* seed_hash(const json& spec) {
  if (!spec.contains("cloud_init") || !spec.at("cloud_init").is_object()) return nullptr;
  const json& cloud_init = spec.at("cloud_init");
  return cloud_init.contains("sha256") && cloud_init.at("sha256").is_string() ? &cloud_init.at("sha256")
                                                                              : nullptr;
}

Result<void> check_pools(const DomainSpec& spec, const StackObject& object) {
  for (const auto& [target, disk] : spec.disks) {
    if (disk.volume && !disk.pool) {
      return providers::fail(ErrorCode::invalid,
                             fmt::format("{}: disk {}: the pool of volume '{}' is unknown",
                                         object.id.address(), target, *disk.volume));
    }
  }
  return {};
}

// Who uses one thing on one host (a MAC, a volume), to report each user
// against the others: built in one pass over the domains.
using Users =
    std::map<std::pair<std::string, std::string>, std::vector<std::pair<const StackObject*, std::string>>>;

void report_shared(
    const Users& users, Diagnostics& diags,
    const std::function<std::string(const StackObject&, const std::string& key, const StackObject& other,
                                    const std::string& other_where)>& message) {
  for (const auto& [key, list] : users) {
    if (list.size() < 2) continue;
    for (const auto& [object, pointer] : list) {
      for (const auto& [other, other_pointer] : list) {
        if (other == object) continue;
        diags.add(object->location(pointer),
                  message(*object, key.second, *other, other->location(other_pointer).str()));
      }
    }
  }
}

void check_macs(const StackIndex& all, Diagnostics& diags) {
  Users users;
  for (const StackObject& object : all) {
    if (object.id.kind != "domain" || !object.spec.contains("interfaces")) continue;
    for (const auto& item : object.spec.at("interfaces").items()) {
      if (item.key().find('#') != std::string::npos) continue;  // no MAC given: libvirt assigns one
      users[{object.id.host, item.key()}].emplace_back(&object, "/interfaces/" + item.key());
    }
  }
  report_shared(users, diags,
                [](const StackObject& object, const std::string& mac, const StackObject& other,
                   const std::string& other_where) {
                  return fmt::format("{}: MAC address {} is also used by {} ({})", object.id.address(), mac,
                                     other.id.address(), other_where);
                });
}

// A volume written by two guests at once is a corrupted file system, unless
// every one of them knows it shares the disk (`shareable: true`, a cluster
// file system): a writable disk is otherwise one domain's. Read-only disks
// and CD-ROMs may share.
void check_shared_volumes(const StackIndex& all, Diagnostics& diags) {
  Users users;
  std::set<std::pair<std::string, std::string>> exclusive;  // written by a disk that does not share it
  for (const StackObject& object : all) {
    if (object.id.kind != "domain" || !object.spec.contains("disks")) continue;
    for (const auto& item : object.spec.at("disks").items()) {
      const json& disk = item.value();
      if (disk.contains("media") || disk.value("cdrom", false) || disk.value("readonly", false) ||
          !disk.contains("volume")) {
        continue;
      }
      const std::string volume =
          disk.contains("pool")
              ? fmt::format("{}/{}", disk.at("pool").get<std::string>(), disk.at("volume").get<std::string>())
              : disk.at("volume").get<std::string>();
      users[{object.id.host, volume}].emplace_back(&object, "/disks/" + item.key());
      if (!disk.value("shareable", false)) exclusive.insert({object.id.host, volume});
    }
  }
  std::erase_if(users, [&](const auto& entry) { return !exclusive.contains(entry.first); });
  report_shared(users, diags,
                [](const StackObject& object, const std::string& volume, const StackObject& other,
                   const std::string& other_where) {
                  return fmt::format(
                      "{}: volume {} is also a writable disk of {} ({}); two guests writing one volume "
                      "corrupt it (make all but one readonly: true, or every one shareable: true for a "
                      "cluster file system)",
                      object.id.address(), volume, other.id.address(), other_where);
                });
}

void check_disks(const StackObject& object, const StackIndex& all, Diagnostics& diags) {
  // value() returns a copy: keep it alive for the loop.
  const json disks = object.spec.value("disks", json::object());
  for (const auto& item : disks.items()) {
    const json& disk = item.value().contains("media") ? item.value().at("media") : item.value();
    if (!disk.contains("volume")) continue;
    std::string volume = disk.at("volume");
    const StackObject* declared = all.find("volume", volume, object.id.host);
    std::string where = "/disks/" + item.key();
    if (volume == object.id.name + "-cidata" && !disk.contains("pool")) {
      diags.add(object.location(where), fmt::format("{}: cloud_init: the seed volume goes to the pool of the "
                                                    "first disk, and no disk has a pool",
                                                    object.id.address()));
    } else if (declared && disk.contains("pool") && declared->spec.contains("pool") &&
               declared->spec.at("pool") != disk.at("pool")) {
      diags.add(object.location(where),
                fmt::format("{}: disk {}: volume '{}' is in pool '{}', not '{}'", object.id.address(),
                            item.key(), volume, declared->spec.at("pool").get<std::string>(),
                            disk.at("pool").get<std::string>()));
    }
  }
}

// libvirt refuses two devices with one boot order (DiskKeys boot_order).
void check_boot_orders(const StackObject& object, Diagnostics& diags) {
  const json disks = object.spec.value("disks", json::object());
  std::map<int, std::string> first;  // boot order -> the disk that has it, in target order
  for (const auto& item : disks.items()) {
    if (!item.value().contains("boot_order") || !item.value().at("boot_order").is_number_integer()) continue;
    const int order = item.value().at("boot_order").get<int>();
    auto [taken, added] = first.emplace(order, item.key());
    if (added) continue;
    diags.add(object.location("/disks/" + item.key()),
              fmt::format("{}: disk {}: boot_order {} is also disk {}'s (each device boots at its own place)",
                          object.id.address(), item.key(), order, taken->second));
  }
}

std::string plural(std::size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

}  // namespace

std::vector<std::string> DomainKind::lost_state(const Spec& observed) const {
  return saved_state_losses(observed);
}

std::string DomainKind::summary(const Spec& spec) const {
  auto typed = DomainSpec::from_json(spec);
  if (!typed) return {};
  std::string vcpus = plural(static_cast<std::size_t>(typed->vcpus.current), "vCPU");
  if (typed->vcpus.max != typed->vcpus.current) vcpus += fmt::format(" (max {})", typed->vcpus.max);
  return fmt::format("{}, {}, {}, {}", vcpus, providers::human_size(typed->memory.current),
                     plural(typed->disks.size(), "disk"), plural(typed->interfaces.size(), "NIC"));
}

// The maxima: what QEMU is started with and what the domain may grow to live.
std::optional<providers::ResourceKind::HostUsage> DomainKind::host_usage(const Spec& spec) const {
  if (!spec.is_object() || !spec.contains("vcpus") || !spec.contains("memory")) return std::nullopt;
  const json& vcpus = spec["vcpus"];
  const json& memory = spec["memory"];
  if (!vcpus.is_object() || !memory.is_object()) return std::nullopt;
  return HostUsage{vcpus.value("max", vcpus.value("current", 0)),
                   memory.value("max", memory.value("current", std::uint64_t{0}))};
}

std::string DomainKind::format_value(std::string_view path, const json& value) const {
  if (path.starts_with("/memory") && value.is_number_unsigned())
    return providers::human_size(value.get<std::uint64_t>());
  return value.is_string() ? value.get<std::string>() : value.dump();
}

void DomainKind::parse(providers::YamlMap& map, StackObject& object, Diagnostics& diags) const {
  DomainYamlReader(object, diags).read(map);
}

void DomainKind::resolve(StackObject& object, const StackIndex& all) const {
  auto spec = DomainSpec::from_json(object.spec);
  if (!spec) return;  // parse() reported why
  for (auto& [target, disk] : spec->disks) {
    if (!disk.volume) continue;
    const StackObject* volume = all.find("volume", *disk.volume, object.id.host);
    if (!volume) continue;
    if (!disk.pool && volume->spec.contains("pool")) disk.pool = volume->spec.at("pool").get<std::string>();
    if (!disk.format && volume->spec.contains("format"))
      disk.format = volume->spec.at("format").get<std::string>();
  }
  fill_seed_pool(*spec, object.id.name);
  // The seed's hash, once the loader derived the seed volume (it resolves
  // the domain again then): new user-data is a change of the domain's too,
  // which the guest sees only when it boots (kvm/domain_field_rules.h: restart).
  if (spec->cloud_init && spec->cloud_init->is_object()) {
    const StackObject* seed = all.find("volume", object.id.name + "-cidata", object.id.host);
    const json* hash = seed ? seed_hash(seed->spec) : nullptr;
    if (hash) (*spec->cloud_init)[k_seed_sha256] = *hash;
  }
  object.spec = spec->to_json();
}

std::vector<Reference> DomainKind::references(const StackObject& object) const {
  std::vector<Reference> out;
  const json disks = object.spec.value("disks", json::object());
  for (const auto& item : disks.items()) {
    const json& disk = item.value().contains("media") ? item.value().at("media") : item.value();
    if (!disk.contains("volume")) continue;
    // A volume is (host, pool, name): the disk's pool (resolve() fills in
    // a declared volume's) says which.
    Reference ref{ObjectId{"volume", disk.at("volume"), object.id.host, disk.value("pool", "")},
                  object.location("/disks/" + item.key())};
    if (disk.contains("pool")) ref.need = Reference::Need::optional;
    out.push_back(ref);
  }
  const json nics = object.spec.value("interfaces", json::object());
  for (const auto& item : nics.items()) {
    if (!item.value().contains("network")) continue;
    // A network the host has and the stack does not declare (`default`) is
    // as legitimate as libvirt finds it.
    out.push_back(Reference{ObjectId{"network", item.value().at("network"), object.id.host},
                            object.location("/interfaces/" + item.key()),
                            Reference::Need::external_unless_typo});
  }
  return out;
}

void DomainKind::check(const StackObject& object, const StackIndex& all, Diagnostics& diags) const {
  check_disks(object, all, diags);
  check_boot_orders(object, diags);
}

void DomainKind::check_all(const StackIndex& all, Diagnostics& diags) const {
  check_macs(all, diags);
  check_shared_volumes(all, diags);
}

Result<std::string> DomainKind::create_xml(const StackObject& object) const {
  return create_xml(object, DiskSources::none());
}

Result<std::string> DomainKind::create_xml(const StackObject& object, const DiskSources& sources) const {
  auto spec = providers::typed_spec<DomainSpec>(object);
  if (!spec) return providers::fail(spec.error());
  if (auto pools = check_pools(*spec, object); !pools) return providers::fail(pools.error());
  auto document = DomainXmlWriter::write(*spec, object.id.name, object.stack, "qemu", sources);
  if (!document) return providers::fail(document.error());
  return document->to_string();
}

Result<Spec> DomainKind::parse_xml(const std::string& xml) const {
  auto spec = DomainXmlReader::read(xml);
  if (!spec) return providers::fail(spec.error());
  return spec->to_json();
}

Result<json> DomainKind::to_stack(const Spec& spec) const {
  if (!spec.contains("cloud_init") || !spec.at("cloud_init").is_object()) return domain_to_stack(spec);
  Spec without_hash = spec;
  without_hash["cloud_init"].erase(k_seed_sha256);  // resolve() adds it, a stack never has it
  return domain_to_stack(without_hash);
}

Result<std::string> DomainKind::update_xml(const std::string& current_xml, const StackObject& object) const {
  return update_xml(current_xml, object, DiskSources::none());
}

Result<std::string> DomainKind::update_xml(const std::string& current_xml, const StackObject& object,
                                           const DiskSources& sources) const {
  auto spec = providers::typed_spec<DomainSpec>(object);
  if (!spec) return providers::fail(spec.error());
  if (auto pools = check_pools(*spec, object); !pools) return providers::fail(pools.error());
  auto updated = DomainXmlUpdater::update(current_xml, *spec, object.stack, sources);
  if (!updated) return providers::fail(updated.error().with_context(object.id.address()));
  return updated;
}

Spec DomainKind::reconcile(const Spec& desired, const Spec& observed) const {
  return DomainReconciler::reconcile(desired, observed);
}

const providers::FieldRules& DomainKind::field_rules() const { return domain_field_rules(); }

providers::Running DomainKind::running(const providers::Spec& observed,
                                       const providers::Spec& desired) const {
  return domain_running(observed, desired);
}

const DomainKind& domain_kind() {
  static const DomainKind k_domain;
  return k_domain;
}

const providers::KindEntry& domain_entry() {
  return providers::kind_entry<DomainReader, DomainActuator>(domain_kind());
}

}  // namespace virtplan::kvm

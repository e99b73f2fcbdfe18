#include "storage/pool_kind.h"

#include "providers/host/ledger.h"
#include "providers/host/stack_lock.h"
#include "storage/pool_actuator.h"
#include "storage/pool_parser.h"
#include "storage/pool_reader.h"
#include "storage/pool_spec.h"
#include "storage/pool_stack_writer.h"
#include "storage/pool_type.h"
#include "storage/pool_xml.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <string_view>

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::Diagnostics;
using providers::fail;
using providers::Impact;
using providers::Result;
using providers::Spec;
using providers::StackObject;
using providers::XmlDocument;
using providers::XmlNode;

// Directories a pool must never be: the volumes it holds are files in it
// (a volume "passwd" in a pool at /etc is /etc/passwd), and destroying the
// pool removes it. The trees are refused with everything under them (on a
// merged-/usr system /usr/lib is /lib; a volume "STACK.json" in a pool under
// the ledger directory would be a ledger); the other directories only
// themselves (/var/lib/libvirt/images is a pool, so is /var/lib/virtplan/P).
constexpr std::array<std::string_view, 17> k_system_trees{"/bin",
                                                          "/boot",
                                                          "/dev",
                                                          "/etc",
                                                          "/lib",
                                                          "/lib32",
                                                          "/lib64",
                                                          "/proc",
                                                          "/sbin",
                                                          "/sys",
                                                          "/usr/bin",
                                                          "/usr/lib",
                                                          "/usr/lib64",
                                                          "/usr/libexec",
                                                          "/usr/sbin",
                                                          providers::Ledger::k_default_dir,
                                                          providers::StackLock::k_default_dir};
constexpr std::array<std::string_view, 14> k_system_directories{"/",
                                                                "/home",
                                                                "/media",
                                                                "/mnt",
                                                                "/opt",
                                                                "/root",
                                                                "/run",
                                                                "/srv",
                                                                "/tmp",
                                                                "/usr",
                                                                "/var",
                                                                "/var/lib",
                                                                "/var/lib/libvirt",
                                                                "/var/lib/virtplan"};

bool is_system_directory(const std::string& path) {
  std::string normal = std::filesystem::path(path).lexically_normal().string();
  while (normal.size() > 1 && normal.ends_with('/')) normal.pop_back();
  auto under = [&](std::string_view tree) {
    return normal == tree || normal.starts_with(std::string(tree) + "/");
  };
  return std::any_of(k_system_trees.begin(), k_system_trees.end(), under) ||
         std::find(k_system_directories.begin(), k_system_directories.end(), normal) !=
             k_system_directories.end();
}

}  // namespace

void PoolKind::parse(providers::YamlMap& map, StackObject& object, Diagnostics& diags) const {
  parse_pool(map, object, diags);
}

std::vector<providers::Reference> PoolKind::references(const StackObject&) const { return {}; }

void PoolKind::check(const StackObject& object, const providers::StackIndex& all, Diagnostics& diags) const {
  if (!pool_owns_directory(object.spec) || !object.spec.contains("path")) return;
  const std::string path = object.spec["path"];
  if (is_system_directory(path)) {
    diags.add(object.location("/path"),
              fmt::format("{}: path {} is a system directory: a pool's volumes are files in it, and "
                          "destroying the pool removes it (give the pool a directory of its own)",
                          object.id.address(), path));
  }
  for (const StackObject* other : all.on_host("pool", object.id.host)) {
    if (other->id == object.id || !pool_owns_directory(other->spec) ||
        other->spec.value("path", "") != path) {
      continue;
    }
    diags.add(object.location("/path"),
              fmt::format("{}: path {} is also the path of {} ({})", object.id.address(), path,
                          other->id.address(), other->location("/path").str()));
  }
}

Result<std::string> PoolKind::create_xml(const StackObject& object) const {
  auto spec = providers::typed_spec<PoolSpec>(object);
  if (!spec) return fail(spec.error());
  return build_pool_xml(*spec, object.id.name).to_string();
}

Result<json> PoolKind::to_stack(const Spec& spec) const { return pool_to_stack(spec); }

Result<Spec> PoolKind::parse_xml(const std::string& xml) const {
  return providers::read_xml_as_json(xml, "pool", read_pool_xml);
}

Result<std::string> PoolKind::update_xml(const std::string& current_xml, const StackObject& object) const {
  auto spec = providers::typed_spec<PoolSpec>(object);
  if (!spec) return fail(spec.error());
  auto current = XmlDocument::parse(current_xml, object.id.address());
  if (!current) return fail(current.error());
  XmlDocument document = build_pool_xml(*spec, object.id.name);
  XmlNode root = document.root();
  if (auto uuid = current->root().child("uuid")) root.add_child_copy(*uuid);
  auto old_target = current->root().child("target");
  auto permissions = old_target ? old_target->child("permissions") : std::nullopt;
  auto new_target = root.child("target");
  if (permissions && new_target) new_target->add_child_copy(*permissions);
  return document.to_string();
}

Spec PoolKind::reconcile(const Spec& desired, const Spec& observed) const {
  // `active:` is the stack's (default true): a pool stopped by hand is
  // drift unless the stack says `active: false`.
  Spec out = desired;
  if (observed.contains("active") && !out.contains("active")) out["active"] = true;
  out.erase("shared");  // not libvirt's: nothing on the host to compare it with
  return out;
}

bool PoolKind::shares_storage(const Spec& here, const Spec& there) const {
  const std::string type = here.value("type", "");
  if (type.empty() || type != there.value("type", "")) return false;
  const auto said = [](const Spec& spec) -> std::optional<bool> {
    if (!spec.contains("shared")) return std::nullopt;
    return spec["shared"].get<bool>();
  };
  if (said(here) == false || said(there) == false) return false;
  if (said(here) == true && said(there) == true) return true;
  auto typed = pool_type_from_string(type);
  if (!typed) return false;
  const std::vector<std::string_view> keys = pool_shared_source_keys(*typed);
  if (keys.empty()) return false;
  const json none = json::object();
  const json& a = here.contains("source") ? here["source"] : none;
  const json& b = there.contains("source") ? there["source"] : none;
  return std::all_of(keys.begin(), keys.end(), [&](std::string_view key) {
    const std::string k(key);
    return a.value(k, json()) == b.value(k, json());
  });
}

namespace {

// Type, target path, source: a new pool (and with it new volumes).
constexpr providers::FieldRule k_pool_rules[] = {
    {"/autostart", Impact::live, pool_live::autostart},
    {"/active", Impact::live, pool_live::start},
    {"/**", Impact::replace},
};

}  // namespace

const providers::FieldRules& PoolKind::field_rules() const { return pool_field_rules(); }

const providers::FieldRules& pool_field_rules() {
  static constexpr providers::FieldRules k_table{k_pool_rules};
  return k_table;
}

const PoolKind& pool_kind() {
  static const PoolKind k_pool;
  return k_pool;
}

const providers::KindEntry& pool_entry() {
  return providers::kind_entry<PoolReader, PoolActuator>(pool_kind());
}

std::vector<providers::Hold> PoolKind::holds(const providers::ObjectId& id, const Spec& observed,
                                             bool replacing) const {
  // Destroying a pool only undefines it (and removes an empty directory it
  // built): its volumes' files stay. A replace would leave them behind.
  std::vector<providers::Hold> out;
  if (!replacing || !observed.contains("volumes")) return out;
  for (const json& volume : observed["volumes"]) {
    out.push_back(
        {providers::ObjectId{"volume", volume.get<std::string>(), id.host, id.name}, "volume in the pool"});
  }
  return out;
}

std::string PoolKind::summary(const Spec& spec) const {
  std::string text = spec.value("type", "");
  if (spec.contains("path")) text += " " + spec["path"].get<std::string>();
  return text;
}

}  // namespace virtplan::storage

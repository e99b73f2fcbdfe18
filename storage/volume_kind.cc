#include "storage/volume_kind.h"

#include "providers/base/human_size.h"
#include "storage/pool_kind.h"
#include "storage/volume_actuator.h"
#include "storage/volume_parser.h"
#include "storage/volume_reader.h"
#include "storage/volume_spec.h"
#include "storage/volume_stack_writer.h"
#include "storage/volume_xml.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace virtplan::storage {
namespace {

using nlohmann::json;
using providers::Diagnostics;
using providers::fail;
using providers::human_size;
using providers::Impact;
using providers::ObjectId;
using providers::Reference;
using providers::Result;
using providers::Spec;
using providers::StackIndex;
using providers::StackObject;
using providers::XmlDocument;

// The backing chain from `object` returns to it: A -> B -> A. Apply would
// find it only when creating either volume. A chain that loops without
// passing through `object` is reported at the volumes in the loop.
std::optional<std::vector<std::string>> backing_cycle(const StackObject& object, const StackIndex& all) {
  std::vector<std::string> chain{object.id.name};
  std::set<std::string> seen{object.id.name};
  const StackObject* at = &object;
  while (at->spec.contains("backing") && at->spec.at("backing").is_string()) {
    const std::string next = at->spec.at("backing");
    chain.push_back(next);
    if (next == object.id.name) return chain;
    if (!seen.insert(next).second) return std::nullopt;  // a loop elsewhere
    at = all.find("volume", next, object.id.host);
    if (at == nullptr) return std::nullopt;
  }
  return std::nullopt;
}

// An image by checksum_url (PREFIX "source_" or "backing_") was verified by
// the digest that file listed then (the ledger's): that is the stack's while
// neither URL changes, so a checksum file republished upstream replaces no
// disk. A changed URL leaves the digest unknown, a replace.
void take_listed_digest(Spec& out, const Spec& observed, const std::string& prefix) {
  const std::string sums = prefix + "checksum_url", url = prefix + "url";
  const std::string sha256 = prefix + "sha256", sha512 = prefix + "sha512";
  if (!out.contains(sums) || out.contains(sha256) || out.contains(sha512)) return;
  if (observed.value(url, json()) != out.value(url, json()) || observed.value(sums, json()) != out[sums])
    return;
  for (const std::string& digest : {sha256, sha512}) {
    if (observed.contains(digest)) out[digest] = observed[digest];
  }
}

// A clone of a base_only volume (both "backing" and "backing_url") keeps the
// base it was made of: the image its ledger names, or the file the host
// shows (a clone made before the volume was base_only). Only a new clone
// gets the base's current image.
void keep_clone_base(Spec& out, const Spec& observed) {
  if (!out.contains("backing") || !out.contains("backing_url")) return;
  for (const char* key : {"backing_url", "backing_sha256", "backing_sha512", "backing", "backing_store"}) {
    if (observed.contains(key)) {
      out[key] = observed[key];
    } else {
      out.erase(key);
    }
  }
}

// A volume made base_only after it was made has its digest as source_*: the
// stack's is compared with it there, so a changed image is still a replace
// that once.
void keep_base(Spec& out, const Spec& observed) {
  keep_clone_base(out, observed);
  if (!out.value("base_only", false)) return;
  for (const char* algorithm : {"sha256", "sha512"}) {
    const std::string base = std::string("base_") + algorithm, source = std::string("source_") + algorithm;
    if (out.contains(base) && !observed.contains(base) && observed.contains(source)) out[source] = out[base];
  }
}

}  // namespace

void VolumeKind::parse(providers::YamlMap& map, StackObject& object, Diagnostics& diags) const {
  parse_volume(map, object, diags);
}

void VolumeKind::resolve(StackObject& object, const StackIndex& all) const {
  const Spec& spec = object.spec;
  // A volume is (host, pool, name): its pool is part of its id.
  if (spec.contains("pool") && spec["pool"].is_string()) object.id.pool = spec["pool"].get<std::string>();
  if (!spec.contains("backing") || !spec.contains("pool")) return;
  const StackObject* pool = all.find("pool", spec["pool"], object.id.host);
  const StackObject* backing = all.find("volume", spec["backing"], object.id.host);
  if (backing && backing->spec.value("base_only", false)) {
    // A clone of a base_only volume is an overlay of the base's image in the
    // host's cache (storage/volume_spec.h).
    object.spec["backing_url"] = backing->spec.value("source_url", "");
    for (const char* algorithm : {"sha256", "sha512"}) {
      const std::string key = std::string("base_") + algorithm;
      if (backing->spec.contains(key)) object.spec[std::string("backing_") + algorithm] = backing->spec[key];
    }
    return;
  }
  if (!pool || !backing || !pool->spec.contains("path")) return;
  object.spec["backing_store"] = {
      {"path", pool->spec["path"].get<std::string>() + "/" + spec["backing"].get<std::string>()},
      {"format", backing->spec.value("format", "raw")}};
}

std::vector<Reference> VolumeKind::references(const StackObject& object) const {
  std::vector<Reference> out;
  if (object.spec.contains("pool")) {
    out.push_back(Reference{ObjectId{"pool", object.spec["pool"], object.id.host}, object.location("/pool")});
  }
  if (object.spec.contains("backing")) {
    // An overlay and its backing file share a pool (check()).
    out.push_back(Reference{ObjectId{"volume", object.spec["backing"], object.id.host, object.id.pool},
                            object.location("/backing")});
  }
  return out;
}

void VolumeKind::check(const StackObject& object, const StackIndex& all, Diagnostics& diags) const {
  if (!object.spec.contains("backing")) return;
  if (object.spec["backing"] != object.id.name) {  // its own backing: the parser said so
    if (auto cycle = backing_cycle(object, all)) {
      diags.add(object.location("/backing"), fmt::format("{}: the backing chain is a cycle: {}",
                                                         object.id.address(), fmt::join(*cycle, " -> ")));
      return;
    }
  }
  const StackObject* backing = all.find("volume", object.spec["backing"], object.id.host);
  if (!backing || backing->spec.value("pool", "") == object.spec.value("pool", "")) return;
  diags.add(object.location("/backing"),
            fmt::format("{}: backing volume {} is in pool {}, not in this volume's pool {} "
                        "(an overlay and its backing file share a pool)",
                        object.id.address(), backing->id.name, backing->spec.value("pool", "?"),
                        object.spec.value("pool", "?")));
}

void VolumeKind::check_all(const StackIndex& all, Diagnostics& diags) const {
  // (pool, name) -> the first declaration of it, then the others on other hosts.
  std::map<std::pair<std::string, std::string>, const StackObject*> first;
  for (const StackObject& object : all) {
    if (object.id.kind != kind() || object.id.pool.empty()) continue;
    auto [it, added] = first.try_emplace({object.id.pool, object.id.name}, &object);
    if (added || it->second->id.host == object.id.host) continue;
    const StackObject* here = all.find("pool", object.id.pool, it->second->id.host);
    const StackObject* there = all.find("pool", object.id.pool, object.id.host);
    if (here == nullptr || there == nullptr || !pool_kind().shares_storage(here->spec, there->spec)) continue;
    const std::string& owner = it->second->id.host;
    diags.add(object.location("/pool"),
              fmt::format("{}: volume {} is declared on {} and on {}, in pool {}, which is one storage seen "
                          "from both: the two declarations are one file, which each host's ledger would own "
                          "and either host's destroy would delete. Declare it on one host (host: {}); the "
                          "others see its file through the pool, and a domain moving between them takes it "
                          "along (migrate, nothing copied)",
                          object.id.address(), object.id.name, owner, object.id.host, object.id.pool, owner));
  }
}

Result<std::string> VolumeKind::create_xml(const StackObject& object) const {
  auto spec = providers::typed_spec<VolumeSpec>(object);
  if (!spec) return fail(spec.error());
  auto document = build_volume_xml(*spec, object.id.name);
  if (!document) return fail(document.error().with_context(object.id.address()));
  return document->to_string();
}

Result<json> VolumeKind::to_stack(const Spec& spec) const { return volume_to_stack(spec); }

Result<Spec> VolumeKind::parse_xml(const std::string& xml) const {
  return providers::read_xml_as_json(xml, "volume", read_volume_xml);
}

Result<std::string> VolumeKind::update_xml(const std::string& current_xml, const StackObject& object) const {
  auto document = XmlDocument::parse(current_xml, object.id.address());
  if (!document) return fail(document.error());
  if (object.spec.contains("capacity")) {
    auto capacity = document->root().ensure_child("capacity");
    capacity.set_attr("unit", "bytes");
    capacity.set_text(std::to_string(object.spec["capacity"].get<std::uint64_t>()));
  }
  return document->to_string();
}

Spec VolumeKind::reconcile(const Spec& desired, const Spec& observed) const {
  Spec out = desired;
  if (!out.contains("capacity") && observed.contains("capacity")) {
    out["capacity"] = observed["capacity"];
  }
  // A seed is an ISO 9660 image in a raw file: libvirt probes its content and
  // reports format iso. Either way it is the same bytes.
  if (out.contains("cloud_init") && out.value("format", "raw") == "raw" &&
      observed.value("format", "") == "iso") {
    out["format"] = "iso";
  }
  // The content of a file uploaded before its hash was recorded is unknown:
  // not compared, so nothing is replaced on a guess.
  if (!observed.contains("source_sha256")) out.erase("source_sha256");
  // A digest read from a checksum file, as the ledger has it.
  take_listed_digest(out, observed, "source_");
  keep_base(out, observed);
  take_listed_digest(out, observed, "backing_");
  // An overlay of a cached image: while the stack asks for the image the
  // ledger recorded, the backing file the host shows (the cache's copy) is
  // the stack's; another digest leaves it unknown, a replace.
  if (out.contains("backing_url")) {
    bool same_image = false;
    for (const char* digest : {"backing_sha256", "backing_sha512"}) {
      same_image = same_image || (out.contains(digest) && observed.value(digest, json()) == out[digest]);
    }
    for (const char* key : {"backing", "backing_store"}) {
      if (same_image && observed.contains(key)) out[key] = observed[key];
    }
  }
  // The ledger's flags default to false: only turning one on is a change. A
  // derived volume (a cloud-init seed) has none in its spec: false too.
  for (const char* flag : {"protect", "allow_shrink"}) {
    if (!out.contains(flag)) out[flag] = false;
    if (!observed.contains(flag) && out.value(flag, false) == false) out.erase(flag);
  }
  return out;
}

namespace {

// A source hash recorded for the first time is no change of the file.
bool first_recorded(const json& before, const json&) { return before.is_null(); }

constexpr providers::FieldRule k_volume_rules[] = {
    // virtplan's own, and the source's path (its content is what counts).
    {"/protect", Impact::none},
    {"/base_only", Impact::none},
    {"/allow_shrink", Impact::none},
    {"/source", Impact::none},
    {"/source_sha256", Impact::none, {}, first_recorded},
    {"/source_sha512", Impact::none, {}, first_recorded},
    // Where an image comes from: its digest is what counts (a mirror, a
    // moved checksum file); a changed URL with checksum_url is a changed
    // digest (reconcile()).
    {"/source_url", Impact::none},
    {"/source_checksum_url", Impact::none},
    // Who fetches it: the same bytes either way.
    {"/source_fetch", Impact::none},
    // An overlay's image by URL: as a source's (its digest decides).
    {"/backing_sha256", Impact::none, {}, first_recorded},
    {"/backing_sha512", Impact::none, {}, first_recorded},
    {"/backing_url", Impact::none},
    {"/backing_checksum_url", Impact::none},
    // A base's new image is for new clones: its clones keep theirs (each is
    // backed by the cached image it was made of), the file is made anew.
    {"/base_sha256", Impact::none, {}, first_recorded},
    {"/base_sha512", Impact::none, {}, first_recorded},
    {"/base_sha256", Impact::live, volume_live::new_base},
    {"/base_sha512", Impact::live, volume_live::new_base},
    {"/capacity", Impact::live, volume_live::resize},
    // A seed's inputs change its hash, which alone says "replace": the
    // planner's replace reasons print values, and user-data's are secret.
    {"/cloud_init/sha256", Impact::replace},
    {"/cloud_init/*/**", Impact::none},
    // format, backing, backing_store, the source's content, pool: a new volume.
    {"/**", Impact::replace},
};

}  // namespace

const providers::FieldRules& VolumeKind::field_rules() const { return volume_field_rules(); }

const providers::FieldRules& volume_field_rules() {
  static constexpr providers::FieldRules k_table{k_volume_rules};
  return k_table;
}

const VolumeKind& volume_kind() {
  static const VolumeKind k_volume;
  return k_volume;
}

const providers::KindEntry& volume_entry() {
  return providers::kind_entry<VolumeReader, VolumeActuator>(volume_kind());
}

std::vector<providers::Hold> VolumeKind::holds(const ObjectId& id, const Spec& observed,
                                               bool replacing) const {
  std::vector<providers::Hold> out;
  if (replacing && observed.contains("cloud_init")) return out;
  if (observed.contains("used_by")) {
    for (const json& user : observed["used_by"]) {
      out.push_back({ObjectId{"domain", user.value("domain", ""), id.host},
                     fmt::format("disk {}{}", user.value("disk", "?"),
                                 user.value("running", false) ? ", running" : "")});
    }
  }
  if (observed.contains("backing_of")) {
    for (const json& overlay : observed["backing_of"]) {
      // Overlays are read in the pools' order; one made by hand in another
      // pool is named in this one, which only makes the hold stricter.
      out.push_back({ObjectId{"volume", overlay.get<std::string>(), id.host, id.pool}, "backing file"});
    }
  }
  return out;
}

std::optional<std::uint64_t> VolumeKind::data_at_risk(const Spec& observed) const {
  if (observed.contains("cloud_init")) return std::nullopt;
  if (!observed.contains("capacity") || !observed["capacity"].is_number_integer()) return std::nullopt;
  return observed["capacity"].get<std::uint64_t>();
}

std::optional<providers::VolumeBase> VolumeKind::volume_base(const Spec& observed) const {
  return providers::volume_base_of(observed);
}

namespace {

// The digest of a base_only volume's image, as "sha256:HEX"; empty when none.
std::string base_digest(const Spec& spec) {
  for (const char* algorithm : {"sha256", "sha512"}) {
    const std::string key = std::string("base_") + algorithm;
    if (spec.contains(key) && spec[key].is_string()) return algorithm + (":" + spec[key].get<std::string>());
  }
  return {};
}

// "sha256:0123456789ab…": enough of a digest to tell images apart.
std::string short_digest(const std::string& digest) {
  const auto colon = digest.find(':');
  return digest.size() > colon + 13 ? digest.substr(0, colon + 13) + "…" : digest;
}

// A new base remakes the volume's file: nothing may use that file itself
// (a domain's disk, or an overlay made of the volume before it was
// base_only); its clones by image do not.
std::optional<std::string> new_base_refusal(const Spec& before, const Spec& after) {
  const std::string was = base_digest(before), will = base_digest(after);
  if (was.empty() || will.empty() || was == will) return std::nullopt;
  std::vector<std::string> users;
  for (const json& user : before.value("used_by", json::array())) {
    users.push_back(fmt::format("domain {} (disk {})", user.value("domain", "?"), user.value("disk", "?")));
  }
  for (const json& overlay : before.value("backing_of", json::array())) {
    users.push_back(fmt::format("overlay {} (backed by this file)", overlay.get<std::string>()));
  }
  if (users.empty()) return std::nullopt;
  return fmt::format(
      "new base {}: the volume's file is made anew, and {} use{} that file itself (only the "
      "clones made while it is base_only keep their base)",
      short_digest(will), fmt::join(users, ", "), users.size() == 1 ? "s" : "");
}

}  // namespace

std::vector<std::string> VolumeKind::update_notes(const Spec& before, const Spec& after) const {
  const std::string was = base_digest(before), will = base_digest(after);
  if (was.empty() || will.empty() || was == will) return {};
  return {fmt::format("new base {} for new clones; clones made of {} keep it", short_digest(will),
                      short_digest(was))};
}

std::optional<std::string> VolumeKind::refusal(const Spec& before, const Spec& after) const {
  if (auto refused = new_base_refusal(before, after)) return refused;
  if (!before.contains("capacity") || !after.contains("capacity")) return std::nullopt;
  auto was = before["capacity"].get<std::uint64_t>();
  auto will = after["capacity"].get<std::uint64_t>();
  if (will >= was) return std::nullopt;
  if (!after.value("allow_shrink", false)) {
    return fmt::format(
        "capacity {} -> {} shrinks the volume (data past {} is lost); set "
        "allow_shrink: true to allow it",
        human_size(was), human_size(will), human_size(will));
  }
  for (const json& user : before.value("used_by", json::array())) {
    if (user.value("running", false)) {
      return fmt::format(
          "capacity {} -> {}: running domain {} uses it (disk {}); a volume in use "
          "is never shrunk",
          human_size(was), human_size(will), user.value("domain", "?"), user.value("disk", "?"));
    }
  }
  return std::nullopt;
}

std::string VolumeKind::summary(const Spec& spec) const {
  std::string text = spec.value("format", "raw");
  if (spec.contains("capacity")) text += " " + human_size(spec["capacity"].get<std::uint64_t>());
  if (spec.contains("backing_url")) {
    text += ", backing " + spec["backing_url"].get<std::string>();
  } else if (spec.contains("backing")) {
    text += ", backing " + spec["backing"].get<std::string>();
  }
  if (spec.contains("source")) text += ", from " + spec["source"].get<std::string>();
  if (spec.contains("source_url")) text += ", from " + spec["source_url"].get<std::string>();
  if (spec.value("base_only", false)) text += ", base only";
  return text;
}

std::string VolumeKind::format_value(std::string_view path, const json& value) const {
  if (path == "/capacity" && value.is_number_unsigned()) return human_size(value.get<std::uint64_t>());
  if ((path == "/base_sha256" || path == "/base_sha512") && value.is_string()) {
    return short_digest(std::string(path.substr(6)) + ":" + value.get<std::string>());
  }
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace virtplan::storage

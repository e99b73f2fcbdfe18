#include "kvm/domain_reader.h"

#include "kvm/domain_kind.h"
#include "kvm/domain_power.h"
#include "kvm/domain_saved_state.h"
#include "kvm/domain_xml_reader.h"
#include "providers/virsh/list_dump_reading.h"

#include <set>

namespace virtplan::kvm {

namespace {

using providers::NameSets;
using providers::Result;
using providers::VirshArgs;

// The order of the recipe's lists, which decorate() and the rest read back.
enum List { all, autostart, shut_off, paused, managed_save, with_snapshots, active_pools };

VirshArgs snapshot_list(const std::string& name) { return {"snapshot-list", "--domain", name, "--name"}; }
VirshArgs pool_volume_list(const std::string& pool) { return {"vol-list", "--pool", pool}; }
VirshArgs domain_dump(const std::string& name) {
  // With the console password (`graphics: {password}`): without
  // --security-info libvirt leaves passwd out, and a declared one would
  // always plan a change.
  return {"dumpxml", "--inactive", "--security-info", "--domain", name};
}

// The spec from the inactive XML, with the NVRAM file it names.
Result<providers::Spec> parse(const std::string& xml) {
  auto spec = domain_kind().parse_xml(xml);
  if (!spec) return spec;
  auto nvram = nvram_of(xml, *spec);
  if (!nvram) return providers::fail(nvram.error());
  add_saved_state(*spec, false, *nvram, 0);
  return spec;
}

void decorate(providers::Spec& spec, const std::string& name, const NameSets& sets) {
  spec["autostart"] = sets[autostart].contains(name);
  // The state as `virsh domstate` would name it, for the one rule that
  // apply's reads follow too (power_state_from_domstate): every state but
  // shut off and paused (running, blocked, in shutdown, pmsuspended,
  // crashed with QEMU kept) has a live QEMU. Read as stopped, such a domain
  // planned a start that apply, seeing it up, never made: a plan never empty.
  const std::string_view domstate = sets[paused].contains(name)     ? "paused"
                                    : sets[shut_off].contains(name) ? "shut off"
                                                                    : "running";
  spec["state"] = power_state_name(power_state_from_domstate(domstate));
  add_saved_state(spec, sets[managed_save].contains(name), nullptr, 0);
}

// Each domain that has snapshots, its count, from its snapshot list (a
// domain gone since the listing has none).
Result<void> count_snapshots(std::vector<providers::ReadObject>& objects, const NameSets& sets,
                             const providers::CommandResults& results) {
  for (providers::ReadObject& object : objects) {
    if (!sets[with_snapshots].contains(object.name)) continue;
    const Result<std::string>* listed = results.find(snapshot_list(object.name));
    if (listed == nullptr) continue;
    if (!*listed) {
      if (listed->error().code() == providers::ErrorCode::not_found) continue;
      return providers::fail(listed->error().with_context(object.name + ": snapshot-list"));
    }
    add_saved_state(object.spec, false, nullptr, providers::parse_name_list(**listed).size());
  }
  return {};
}

// Every active pool's volumes by path, from the pools' volume lists (a list
// that failed, a pool stopped since, holds none).
DiskSources volume_paths(const NameSets& sets, const providers::CommandResults& results) {
  DiskSources sources;
  for (const std::string& pool : sets[active_pools]) {
    const Result<std::string>* listed = results.find(pool_volume_list(pool));
    if (listed != nullptr && *listed) sources.add_listing(pool, **listed);
  }
  return sources;
}

// The disks of the domains that name a volume by path (kvm/disk_sources.h),
// read again knowing the volumes' paths: parse() could not tell them from
// a hand-made file disk.
Result<void> read_disks_by_path(std::vector<providers::ReadObject>& objects, const NameSets& sets,
                                const providers::CommandResults& results) {
  DiskSources sources;
  bool read = false;
  for (providers::ReadObject& object : objects) {
    if (!object.unrepresentable.empty()) continue;
    const Result<std::string>* xml = results.find(domain_dump(object.name));
    if (xml == nullptr || !*xml) continue;
    if ((*xml)->find("<disk type='file'") == std::string::npos &&
        (*xml)->find("<disk type='block'") == std::string::npos)
      continue;
    if (!read) sources = volume_paths(sets, results);
    read = true;
    auto spec = DomainXmlReader::read(**xml, sources);
    if (!spec) return providers::fail(spec.error().with_context(object.name));
    object.spec["disks"] = spec->to_json().at("disks");
  }
  return {};
}

// The volume lists of the pools the stack declares or names in a volume,
// asked with the listings as the volume reader asks them: a host holding
// what the stack declares is still read in one round.
std::vector<providers::AheadCommand> ahead_volume_lists(const std::vector<providers::StackObject>& declared) {
  std::set<std::string> pools;
  for (const providers::StackObject& object : declared) {
    if (object.id.kind == "pool") pools.insert(object.id.name);
    if (object.id.kind == "volume" && object.spec.contains("pool") && object.spec.at("pool").is_string())
      pools.insert(object.spec.at("pool").get<std::string>());
  }
  std::vector<providers::AheadCommand> ahead;
  for (const std::string& pool : pools) ahead.push_back({"pool", pool, pool_volume_list(pool)});
  return ahead;
}

// The second round's extra reads: snapshot lists, and the volume lists that
// map a disk's path to its volume (those asked ahead are not asked again).
std::vector<VirshArgs> extra_reads(const NameSets& sets) {
  std::vector<VirshArgs> reads;
  for (const std::string& name : sets[with_snapshots]) reads.push_back(snapshot_list(name));
  // The volume reader asks the same lists in the same round: the batch runs them once.
  for (const std::string& pool : sets[active_pools]) reads.push_back(pool_volume_list(pool));
  return reads;
}

}  // namespace

std::unique_ptr<providers::KindReading> DomainReader::start(
    const std::vector<providers::StackObject>& declared) const {
  providers::ListDumpRecipe recipe;
  recipe.kind = "domain";
  recipe.declared = providers::declared_names(declared, recipe.kind);
  recipe.lists = {{"list", "--all", "--name"},
                  {"list", "--all", "--name", "--autostart"},
                  {"list", "--all", "--name", "--state-shutoff"},
                  {"list", "--name", "--state-paused"},
                  {"list", "--all", "--name", "--with-managed-save"},
                  {"list", "--all", "--name", "--with-snapshot"},
                  {"pool-list", "--name"}};
  recipe.dump = domain_dump;
  recipe.parse = parse;
  recipe.decorate = decorate;
  recipe.ahead = ahead_volume_lists(declared);
  recipe.extra = extra_reads;
  recipe.complete = [](std::vector<providers::ReadObject>& objects, const NameSets& sets,
                       const providers::CommandResults& results) -> Result<void> {
    if (auto counted = count_snapshots(objects, sets, results); !counted) return counted;
    return read_disks_by_path(objects, sets, results);
  };
  return std::make_unique<providers::ListDumpReading>(std::move(recipe));
}

}  // namespace virtplan::kvm

#include "kvm/domain_reader.h"

#include "kvm/domain_kind.h"
#include "kvm/domain_saved_state.h"
#include "providers/virsh/list_dump_reading.h"

namespace virtplan::kvm {

namespace {

using providers::NameSets;
using providers::Result;
using providers::VirshArgs;

// The order of the recipe's lists, which decorate() and the rest read back.
enum List { all, autostart, running, paused, managed_save, with_snapshots };

VirshArgs snapshot_list(const std::string& name) { return {"snapshot-list", "--domain", name, "--name"}; }

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
  // Any other state (shut off, crashed, pmsuspended) is not running: the
  // stack's `state: running` then starts it.
  spec["state"] = sets[running].contains(name)  ? "running"
                  : sets[paused].contains(name) ? "paused"
                                                : "stopped";
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

}  // namespace

std::unique_ptr<providers::KindReading> DomainReader::start(
    const std::vector<providers::StackObject>& declared) const {
  providers::ListDumpRecipe recipe;
  recipe.kind = "domain";
  recipe.declared = providers::declared_names(declared, recipe.kind);
  recipe.lists = {{"list", "--all", "--name"},
                  {"list", "--all", "--name", "--autostart"},
                  {"list", "--name", "--state-running"},
                  {"list", "--name", "--state-paused"},
                  {"list", "--all", "--name", "--with-managed-save"},
                  {"list", "--all", "--name", "--with-snapshot"}};
  // With the console password (`graphics: {password}`): without
  // --security-info libvirt leaves passwd out, and a declared one would
  // always plan a change.
  recipe.dump = [](const std::string& name) {
    return VirshArgs{"dumpxml", "--inactive", "--security-info", "--domain", name};
  };
  recipe.parse = parse;
  recipe.decorate = decorate;
  recipe.extra = [](const NameSets& sets) {
    std::vector<VirshArgs> lists;
    for (const std::string& name : sets[with_snapshots]) lists.push_back(snapshot_list(name));
    return lists;
  };
  recipe.complete = count_snapshots;
  return std::make_unique<providers::ListDumpReading>(std::move(recipe));
}

}  // namespace virtplan::kvm

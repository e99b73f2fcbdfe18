#include "kvm/domain_reader.h"

#include "kvm/domain_kind.h"
#include "providers/list_dump_reading.h"

namespace virtplan::kvm {

namespace {
// The order of the recipe's lists, which decorate() reads back.
enum List { all, autostart, running, paused };
}  // namespace

std::unique_ptr<providers::KindReading> DomainReader::start(const std::vector<providers::StackObject>& declared) const {
  providers::ListDumpRecipe recipe;
  recipe.kind = "domain";
  recipe.declared = providers::declared_names(declared, recipe.kind);
  recipe.lists = {{"list", "--all", "--name"},
                  {"list", "--all", "--name", "--autostart"},
                  {"list", "--name", "--state-running"},
                  {"list", "--name", "--state-paused"}};
  recipe.dump = [](const std::string& name) {
    return providers::VirshArgs{"dumpxml", "--inactive", "--domain", name};
  };
  recipe.parse = [](const std::string& xml) { return DomainKind().parse_xml(xml); };
  recipe.decorate = [](providers::Spec& spec, const std::string& name,
                       const providers::NameSets& sets) {
    spec["autostart"] = sets[autostart].contains(name);
    // Any other state (shut off, crashed, pmsuspended) is not running: the
    // stack's `state: running` then starts it.
    spec["state"] = sets[running].contains(name)  ? "running"
                    : sets[paused].contains(name) ? "paused"
                                                  : "stopped";
  };
  return std::make_unique<providers::ListDumpReading>(std::move(recipe));
}

}  // namespace virtplan::kvm

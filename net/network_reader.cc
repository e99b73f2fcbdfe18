#include "net/network_reader.h"

#include "net/network_kind.h"
#include "providers/list_dump_reading.h"

namespace virtplan::net {

std::unique_ptr<providers::KindReading> NetworkReader::start(const std::vector<providers::StackObject>& declared) const {
  providers::ListDumpRecipe recipe;
  recipe.kind = "network";
  recipe.declared = providers::declared_names(declared, recipe.kind);
  recipe.lists = {{"net-list", "--all", "--name"}, {"net-list", "--all", "--name", "--autostart"}};
  recipe.dump = [](const std::string& name) {
    return providers::VirshArgs{"net-dumpxml", "--inactive", "--network", name};
  };
  recipe.parse = [](const std::string& xml) { return NetworkKind().parse_xml(xml); };
  recipe.decorate = [](providers::Spec& spec, const std::string& name,
                       const providers::NameSets& sets) {
    spec["autostart"] = sets[1].contains(name);
  };
  return std::make_unique<providers::ListDumpReading>(std::move(recipe));
}

}  // namespace virtplan::net

#include "storage/pool_reader.h"

#include "providers/list_dump_reading.h"
#include "storage/pool_kind.h"

namespace virtplan::storage {

std::unique_ptr<providers::KindReading> PoolReader::start() const {
  providers::ListDumpRecipe recipe;
  recipe.lists = {{"pool-list", "--all", "--name"}, {"pool-list", "--all", "--name", "--autostart"}};
  recipe.dump = [](const std::string& name) {
    return providers::VirshArgs{"pool-dumpxml", "--inactive", "--pool", name};
  };
  recipe.parse = [](const std::string& xml) { return PoolKind().parse_xml(xml); };
  recipe.decorate = [](providers::Spec& spec, const std::string& name,
                       const providers::NameSets& sets) {
    spec["autostart"] = sets[1].contains(name);
  };
  return std::make_unique<providers::ListDumpReading>(std::move(recipe));
}

}  // namespace virtplan::storage

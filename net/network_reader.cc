#include "net/network_reader.h"

#include "net/network_kind.h"
#include "net/network_users.h"
#include "providers/virsh/list_dump_reading.h"

namespace virtplan::net {

namespace {

using providers::NameSets;
using providers::Result;
using providers::VirshArgs;

// The order of the recipe's lists. The domain listings and dumps are the
// ones the domain and volume readers ask too: one batch runs each once.
enum List { all, autostart, domains, running_domains };

VirshArgs domain_dump(const std::string& domain, bool live) {
  if (live) return {"dumpxml", "--domain", domain};
  return {"dumpxml", "--inactive", "--security-info", "--domain",
          domain};  // as the domain reader asks: one dump
}

// The declared domains' XML, asked with the listings as the volume reader
// asks it (live too for one declared running).
std::vector<providers::AheadCommand> declared_domain_dumps(
    const std::vector<providers::StackObject>& declared) {
  std::vector<providers::AheadCommand> ahead;
  for (const providers::StackObject& object : declared) {
    if (object.id.kind != "domain") continue;
    ahead.push_back({"domain", object.id.name, domain_dump(object.id.name, false)});
    if (object.spec.is_object() && object.spec.value("state", "running") != "stopped") {
      ahead.push_back({"domain", object.id.name, domain_dump(object.id.name, true)});
    }
  }
  return ahead;
}

std::vector<VirshArgs> domain_dumps(const NameSets& sets) {
  std::vector<VirshArgs> dumps;
  for (const std::string& domain : sets[domains]) {
    dumps.push_back(domain_dump(domain, false));
    if (sets[running_domains].contains(domain)) dumps.push_back(domain_dump(domain, true));
  }
  return dumps;
}

// Every domain interface on a network, from the XML read; a domain gone
// since the listing uses nothing.
Result<std::vector<NetworkUser>> all_users(const NameSets& sets, const providers::CommandResults& results) {
  std::vector<NetworkUser> users;
  for (const std::string& domain : sets[domains]) {
    for (bool live : {false, true}) {
      // A declared domain's live XML is asked ahead, before the listings
      // say whether it runs: of a shut-off one, virsh gives the inactive XML.
      if (live && !sets[running_domains].contains(domain)) continue;
      const Result<std::string>* xml = results.find(domain_dump(domain, live));
      if (xml == nullptr) continue;
      if (!*xml) {
        if (xml->error().code() == providers::ErrorCode::not_found) continue;
        return providers::fail(xml->error().with_context("domain " + domain));
      }
      auto found = read_network_users(domain, **xml, live);
      if (!found) return providers::fail(found.error());
      users.insert(users.end(), found->begin(), found->end());
    }
  }
  return users;
}

Result<void> add_users(std::vector<providers::ReadObject>& objects, const NameSets& sets,
                       const providers::CommandResults& results) {
  auto users = all_users(sets, results);
  if (!users) return providers::fail(users.error());
  for (providers::ReadObject& object : objects) {
    nlohmann::json used_by = network_used_by(*users, object.name);
    if (!used_by.empty()) object.spec["used_by"] = std::move(used_by);
  }
  return {};
}

}  // namespace

std::unique_ptr<providers::KindReading> NetworkReader::start(
    const std::vector<providers::StackObject>& declared) const {
  providers::ListDumpRecipe recipe;
  recipe.kind = "network";
  recipe.declared = providers::declared_names(declared, recipe.kind);
  recipe.lists = {{"net-list", "--all", "--name"},
                  {"net-list", "--all", "--name", "--autostart"},
                  {"list", "--all", "--name"},
                  {"list", "--name"}};
  recipe.dump = [](const std::string& name) {
    return VirshArgs{"net-dumpxml", "--inactive", "--network", name};
  };
  recipe.parse = [](const std::string& xml) { return network_kind().parse_xml(xml); };
  recipe.decorate = [](providers::Spec& spec, const std::string& name, const NameSets& sets) {
    spec["autostart"] = sets[autostart].contains(name);
  };
  recipe.ahead = declared_domain_dumps(declared);
  recipe.extra = domain_dumps;
  recipe.complete = add_users;
  return std::make_unique<providers::ListDumpReading>(std::move(recipe));
}

}  // namespace virtplan::net

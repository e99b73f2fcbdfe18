// The ledger entries apply and destroy forget: those whose objects the host
// was read not to hold, where its reading lists every object of the kind.

#include "cli/vanished_entries.h"

#include <catch2/catch.hpp>

namespace virtplan::cli {
namespace {

using planner::ObservedObject;
using providers::ObjectId;

ObservedObject seen(const std::string& kind, const std::string& name, const std::string& host,
                    planner::Ownership ownership = planner::Ownership::ours) {
  nlohmann::json spec = nlohmann::json::object();
  if (kind == "pool") spec["active"] = true;
  return ObservedObject{ObjectId{kind, name, host}, spec, ownership, ""};
}

providers::Ledger ledger_of(const std::vector<std::pair<std::string, std::string>>& entries) {
  providers::Ledger ledger("demo");
  for (const auto& [kind, name] : entries) ledger.mark_created(kind, name);
  return ledger;
}

TEST_CASE("vanished entries: objects the host no longer holds, of any kind it lists completely") {
  const auto ledger = ledger_of({{"domain", "gone"}, {"domain", "web"}, {"network", "lan"}, {"pool", "images"},
                                 {"volume", "root"}, {"volume", "old"}});
  const std::vector<ObservedObject> observed{seen("domain", "web", "lab1"), seen("pool", "images", "lab1"),
                                             seen("volume", "root", "lab1"),
                                             // on another host: it does not keep lab1's entry
                                             seen("network", "lan", "lab2")};
  CHECK(vanished_entries("lab1", ledger, observed) ==
        std::vector<ObjectId>{{"domain", "gone", "lab1"}, {"network", "lan", "lab1"}, {"volume", "old", "lab1"}});
}

TEST_CASE("vanished entries: an object of the entry's name keeps it, whoever owns it now") {
  const auto ledger = ledger_of({{"pool", "images"}});
  CHECK(vanished_entries("lab1", ledger, {seen("pool", "images", "lab1", planner::Ownership::unowned)}).empty());
}

TEST_CASE("vanished entries: with a pool inactive, volumes not seen may be in it and stay") {
  const auto ledger = ledger_of({{"volume", "root"}, {"domain", "gone"}});
  ObservedObject stopped = seen("pool", "images", "lab1");
  stopped.spec["active"] = false;
  CHECK(vanished_entries("lab1", ledger, {stopped}) == std::vector<ObjectId>{{"domain", "gone", "lab1"}});
}

TEST_CASE("vanished entries: a kind this build does not read is never taken for gone") {
  const auto ledger = ledger_of({{"secret", "token"}});
  CHECK(vanished_entries("lab1", ledger, {}).empty());
}

}  // namespace
}  // namespace virtplan::cli

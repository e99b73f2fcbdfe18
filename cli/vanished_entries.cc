#include "cli/vanished_entries.h"

#include <algorithm>
#include <set>
#include <utility>

namespace virtplan::cli {
namespace {

using planner::ObservedObject;

bool on(const ObservedObject& object, const std::string& host) { return object.id.host == host; }

// Volumes are listed pool by pool, and only in active pools: with a pool
// inactive, a volume not seen may still be in it.
bool every_pool_active(const std::string& host, const std::vector<ObservedObject>& observed) {
  return std::all_of(observed.begin(), observed.end(), [&](const ObservedObject& object) {
    return !on(object, host) || object.id.kind != "pool" || object.spec.value("active", false);
  });
}

// Whether the host's reading lists every object of `kind` there. Domains,
// networks and pools are listed with --all; volumes, as above. A kind not
// here (one this build does not read) is never taken for gone.
bool listed_completely(const std::string& kind, const std::string& host,
                       const std::vector<ObservedObject>& observed) {
  if (kind == "domain" || kind == "network" || kind == "pool") return true;
  if (kind == "volume") return every_pool_active(host, observed);
  return false;
}

}  // namespace

std::vector<providers::ObjectId> vanished_entries(const std::string& host, const providers::Ledger& ledger,
                                                  const std::vector<ObservedObject>& observed) {
  std::set<std::pair<std::string, std::string>> held;
  for (const ObservedObject& object : observed) {
    if (on(object, host)) held.emplace(object.id.kind, object.id.name);
  }
  std::vector<providers::ObjectId> gone;
  for (const providers::LedgerEntry& entry : ledger.entries()) {
    if (held.contains({entry.kind, entry.name})) continue;
    if (!listed_completely(entry.kind, host, observed)) continue;
    gone.push_back(providers::ObjectId{entry.kind, entry.name, host});
  }
  return gone;
}

}  // namespace virtplan::cli

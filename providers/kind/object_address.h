#pragma once

// parse_address() reads an object's address as people type it on the
// command line (`--target domain.web@lab1`, `virtplan import ADDR`) back into
// an ObjectId. The kind is everything before the first '.', the host
// everything after the last '@' (names never hold '@'; they may hold '.').
// A volume may be named with its pool, `volume.images/root@lab1` (names never
// hold '/'): that is needed only where two pools of one host hold a volume of
// that name. Without it the pool is left empty, and the caller takes the one
// object that ObjectId::named_by() the query (resolve_address()).
//
// object_id_json() is the same identity as the JSON outputs write it (plan,
// apply report, status, live state), one way for all of them.

#include "providers/base/error.h"
#include "providers/kind/object_id.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

// Fails with ErrorCode::invalid: "'web@lab1': not an object address; expected
// KIND.NAME@HOST, e.g. domain.web@lab1".
Result<ObjectId> parse_address(std::string_view text);

// A volume's name as an address or a ledger key spells it: "POOL/NAME", or
// "NAME" alone (the pool then empty). nullopt when a side of the '/' is
// empty or the name holds a second '/'.
struct PoolAndName {
  std::string pool;
  std::string name;
};
std::optional<PoolAndName> split_pool_name(std::string_view text);

// The one of `candidates` that `query` names. Fails with not_found when none
// does, and with invalid when several do (a volume name in two pools),
// listing their qualified addresses.
Result<ObjectId> resolve_address(const ObjectId& query, const std::vector<ObjectId>& candidates);

// {"address": "domain.web@lab1", "kind": "domain", "name": "web", "host":
// "lab1"}: what each JSON output's object entry begins with. A volume's pool
// is not in it: only a saved plan needs it (planner/plan_json.h).
nlohmann::json object_id_json(const ObjectId& id);

}  // namespace virtplan::providers

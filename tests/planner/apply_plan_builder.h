#pragma once

// Helpers for apply tests: a change in one line, and the LinkedKind lookup
// for the kinds the apply tests use (pool, volume, network, domain).

#include "planner/diff.h"
#include "planner/plan.h"
#include "tests/planner/linked_kind.h"

#include <string>
#include <vector>

namespace virtplan::planner::testing {

// "volume.v@lab1" -> its ObjectId.
inline providers::ObjectId id_of(const std::string& address) {
  const auto dot = address.find('.');
  const auto at = address.find('@');
  return {address.substr(0, dot), address.substr(dot + 1, at - dot - 1), address.substr(at + 1)};
}

// A spec that references `needs` ("pool.p") through LinkedKind.
inline nlohmann::json needing(std::vector<std::string> needs) { return nlohmann::json{{"needs", needs}}; }

// A change of `address`: creates have only `after`, destroys only `before`,
// updates and replaces both (the same spec unless given).
inline Change change(const std::string& address, Action action,
                     nlohmann::json spec = nlohmann::json::object(), nlohmann::json before = nullptr) {
  Change c;
  c.id = id_of(address);
  c.action = action;
  if (action != Action::destroy) c.after = spec;
  if (action == Action::destroy) c.before = spec;
  if (action == Action::update || action == Action::replace || action == Action::no_op) {
    c.before = before.is_null() ? spec : before;
  }
  return c;
}

inline KindLookup linked_kinds() {
  static const LinkedKind pool("pool"), volume("volume"), network("network"), domain("domain");
  return [](std::string_view kind) -> const providers::ResourceKind* {
    if (kind == "pool") return &pool;
    if (kind == "volume") return &volume;
    if (kind == "network") return &network;
    if (kind == "domain") return &domain;
    return nullptr;
  };
}

}  // namespace virtplan::planner::testing

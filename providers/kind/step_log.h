#pragma once

// StepLog is what one actuator step has done so far on a host, so that a
// failure part way through says the state it leaves behind: the object
// first, the command, virsh's own words, then what was done and what was not:
//
//   "domain.web@lab1: virsh start failed: internal error: ... (defined, not started)"
//
// The code of virsh's error (not_found, invalid...) is kept.

#include "providers/base/error.h"
#include "providers/kind/object_id.h"

#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

struct FieldChange;  // providers/kind/field_change.h

class StepLog {
public:
  explicit StepLog(ObjectId id) : m_id(std::move(id)) {}

  const ObjectId& id() const { return m_id; }
  // Records something done ("defined", "autostart set").
  void done(std::string what) { m_done.push_back(std::move(what)); }

  // The error for `command` failing with `failure` (VirshRunner's error,
  // "lab1: virsh start: WORDS"); `not_done` says what the step then leaves
  // undone ("not started"), may be empty.
  Error failure(std::string_view command, const Error& failure, std::string_view not_done = {}) const;
  // An error that is not virsh's: "domain.web@lab1: MESSAGE (defined, ...)".
  Error failure(ErrorCode code, std::string_view message, std::string_view not_done = {}) const;
  // The refusal of a step that would make `fields`, planned live, some other
  // way, since their rules have no live way: the step changes nothing, never
  // restarts for them. "domain.web@lab1: no live way to change /a, planned
  // as live (nothing changed)".
  Error no_live_way(const std::vector<FieldChange>& fields) const;

private:
  std::string state(std::string_view not_done) const;

  ObjectId m_id;
  std::vector<std::string> m_done;
};

// virsh's own words in a VirshRunner error for `command`: what follows
// "virsh COMMAND: ", or the whole message when that is not in it (the
// transport failed before virsh ran).
std::string virsh_words(std::string_view command, const Error& failure);

}  // namespace virtplan::providers

#pragma once

// PoolReader reads every storage pool of a host in two rounds: the names
// (all, autostart, active), then each pool's inactive XML and, when it is
// active, its volume list. The spec gets what the XML lacks: `autostart`,
// `active`, and `volumes` (the names in an active pool, for the planner's
// data-safety rule: a pool holding volumes is never replaced). Pools carry no
// ownership marker: the ledger says which are the stack's. A listing that
// fails because a pool vanished while virsh listed it is asked again. An
// active pool whose volumes cannot be listed fails the reading, unless it
// stopped or vanished meanwhile and the stack neither declares nor owns it.

#include "providers/kind/reader.h"

namespace virtplan::storage {

class PoolReader : public providers::KindReader {
public:
  std::string_view kind() const override { return "pool"; }
  std::unique_ptr<providers::KindReading> start(
      const std::vector<providers::StackObject>& declared) const override;
  // Whether virtplan built the pool's directory (pool_actuator.cc).
  std::vector<std::string> ledger_keys() const override { return {"built"}; }
};

}  // namespace virtplan::storage

#pragma once

// PoolReader reads every storage pool of a host in two rounds (names, then
// each inactive XML), adding `autostart`, which the XML lacks. Pools carry
// no ownership marker: the ledger says which are the stack's.

#include "providers/kind_reader.h"

namespace virtplan::storage {

class PoolReader : public providers::KindReader {
public:
  std::string_view kind() const override { return "pool"; }
  std::unique_ptr<providers::KindReading> start() const override;
};

}  // namespace virtplan::storage

#pragma once

// Drives a KindReader's reading against a fake virsh host the way
// providers::read_host_inventory() does: each round as one batch, the stack's
// ledger (owned()) after the rounds or, as apply's reading under the lock
// gives it, before them, then finish().

#include "providers/host/ledger.h"
#include "providers/kind/reader.h"
#include "tests/providers/fake_virsh_host.h"

#include <string>
#include <vector>

namespace virtplan::storage::test {

enum class LedgerGiven { after_rounds, before_rounds };

inline providers::Result<std::vector<providers::ReadObject>> read_with(
    const providers::KindReader& reader, providers::test::FakeVirshHost& host,
    const std::vector<providers::StackObject>& declared, const providers::Ledger& ledger,
    LedgerGiven given = LedgerGiven::after_rounds) {
  auto reading = reader.start(declared);
  if (given == LedgerGiven::before_rounds) reading->owned(ledger);
  std::vector<providers::Result<std::string>> answers;
  for (auto commands = reading->next_round({}); !commands.empty(); commands = reading->next_round(answers)) {
    answers = host.session().alone().batch(commands);
  }
  if (given == LedgerGiven::after_rounds) reading->owned(ledger);
  return reading->finish();
}

}  // namespace virtplan::storage::test

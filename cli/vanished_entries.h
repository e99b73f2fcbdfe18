#pragma once

// vanished_entries() finds the stack's ledger entries on a host whose objects
// the host no longer holds. A destroy's record reaches the ledger with the
// next background save (providers/host_access.h), so an apply or destroy
// killed before that save leaves an entry for an object already gone. No
// later plan touches it (the object is neither declared nor there), and a
// foreign object made later under its name would be taken for the stack's
// and destroyed with it. Apply and destroy forget such entries under the
// lock, once they change the host (cli/apply_run.h); the fault suite's
// `kill -9` runs (tests/lab/faults) show the entries and their going.

#include "planner/observed_state.h"
#include "providers/ledger.h"
#include "providers/object_id.h"

#include <string>
#include <vector>

namespace virtplan::cli {

// Entries of `ledger` (the stack's on `host`) for which `observed` (what the
// host was read to hold, every host's objects) has no object of that kind and
// name on `host`, among the kinds whose reading lists every object there.
std::vector<providers::ObjectId> vanished_entries(const std::string& host, const providers::Ledger& ledger,
                                                  const std::vector<planner::ObservedObject>& observed);

}  // namespace virtplan::cli

#pragma once

// ObservedState is what the hosts really hold, as read by the observe stage:
// each object's spec (parsed from libvirt's XML by its kind) and who owns it.
// Hosts that could not be read are listed with the error that stopped them,
// so the plan can say so (unread_host.h: unreachable, locked or unreadable)
// instead of planning creates for everything on them.

#include "providers/base/error.h"
#include "providers/kind/object_id.h"
#include "providers/kind/resource_kind.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::planner {

enum class Ownership {
  ours,     // owned by this stack (ledger or <metadata> marker)
  foreign,  // owned by another stack
  unowned,  // exists, owned by no stack (made by hand, or by another tool)
};

struct ObservedObject {
  providers::ObjectId id;
  providers::Spec spec;
  Ownership ownership = Ownership::unowned;
  std::string owner;  // the owning stack's name when foreign; display only
  // An owned object a migrate is moving away: the host it goes to, as its
  // ledger entry here says (providers::k_ledger_migrating_to); empty when none.
  std::string migrating_to = {};
  // With migrating_to: the pools that migration takes for shared storage
  // (providers::k_ledger_migrating_shared); nullopt when the entry does not
  // say (a ledger written before it did).
  std::optional<std::vector<std::string>> migrating_shared = std::nullopt;
};

// UnrepresentableObject is an object on a host that its kind cannot
// represent (a network of forward mode hostdev, say), owned by no stack the
// plan knows and not declared: left alone, and listed as unmanaged.
struct UnrepresentableObject {
  providers::ObjectId id;
  std::string why;  // the kind's words: "forward mode 'hostdev' is not one virtplan manages"
};

struct ObservedState {
  std::vector<ObservedObject> objects;
  std::map<std::string, providers::Error> unread;  // host -> what kept it from being read
  // Ledger entries whose object the host was read not to hold: an intent
  // whose create failed or never ran, an entry a killed destroy left behind.
  // Kept, one would make a foreign object made later under its name the
  // stack's: commands that hold the lock (apply, destroy) forget them
  // (LedgerOwnership::vanished_entries says which).
  std::vector<providers::ObjectId> vanished_entries = {};
  // What the hosts hold that no kind can represent, owned and declared by
  // no stack of theirs: left alone (planner::observe_host).
  std::vector<UnrepresentableObject> unrepresentable = {};  // sorted by id
};

}  // namespace virtplan::planner

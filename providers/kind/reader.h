#pragma once

// KindReader is how one resource kind is read from a host: a few rounds of
// virsh commands, each round run as one batch (one virsh process) together
// with every other kind's commands of that round, so observing a host takes
// a constant number of round trips however many objects it holds
// (architecture.md, decision 3). A kind usually needs two rounds: list the
// names, then dump each object's inactive XML.
//
// The observer drives it: start() on each host, then next_round() with the
// results of the commands it asked for last (empty the first time), until it
// returns no commands; then owned() with the stack's ledger there, and
// finish().

#include "providers/base/error.h"
#include "providers/kind/resource_kind.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

class Ledger;

using VirshArgs = std::vector<std::string>;

// ReadObject is one object as a host holds it.
struct ReadObject {
  std::string name;
  Spec spec;                         // as the kind's parse_xml() gives it, plus live state
  std::optional<std::string> owner;  // the stack in its <metadata> marker, if the kind has one
  std::string pool = {};             // a volume's pool: part of its identity (ObjectId::pool)
  // Why the kind cannot represent it (its parse_xml() failed: a network of
  // forward mode hostdev, a pool by its adapter's PCI address); `spec` is
  // then empty. Real hosts hold such objects: the observer leaves them
  // alone unless the stack owns or declares one (planner::observe_host).
  std::string unrepresentable = {};
};

// `name` as a kind that cannot represent it reads it: `why` is the parse
// error, `owner` its marker when the XML had one.
ReadObject unrepresentable_object(const std::string& name, const Error& why,
                                  std::optional<std::string> owner = std::nullopt, std::string pool = {});

// KindReading is one kind's reading of one host in progress.
class KindReading {
public:
  virtual ~KindReading() = default;
  // The commands of the next round, given the results of the previous one in
  // the order they were asked for. No commands: the reading is finished.
  virtual std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) = 0;
  // What the stack owns on the host, once, before finish(). Usually after the
  // last round: the ledger is read alongside the rounds. When the caller has
  // it already (apply read it under the stack's lock), before the first
  // round: a reading then asks ahead only for the declared objects the stack
  // owns, since one it declares but does not own is most likely not there (a
  // first apply) and is read in a later round if the listing shows it. A
  // reading that forgives a failure for objects the stack neither declares
  // nor owns (a foreign pool stopped while it was read) learns here which
  // those are.
  virtual void owned(const Ledger& /*ledger*/) {}
  // Every object read, sorted by name; fails when what the host said made no
  // sense (a per-object problem names the object).
  virtual Result<std::vector<ReadObject>> finish() = 0;
};

class KindReader {
public:
  virtual ~KindReader() = default;
  virtual std::string_view kind() const = 0;
  // `declared` is every object the stack declares on this host, of every
  // kind (the volume reader reads the declared domains' disks): hints for
  // the first round only. What is read is every object the host holds,
  // declared or not.
  virtual std::unique_ptr<KindReading> start(const std::vector<StackObject>& declared) const = 0;
  // The spec keys the kind keeps in the stack's ledger, what the host cannot
  // show (a volume's source hash): the observer merges these, and only
  // these, from an owned object's ledger entry into its observed spec; an
  // entry holding any other key is refused (a hand-edited or foreign ledger
  // must not invent a change).
  virtual std::vector<std::string> ledger_keys() const { return {}; }
  // Whether every object the stack makes of this kind carries its owner
  // marker (<metadata>): then one without it was not made by the stack, and
  // an intent in the ledger (left by a create that failed) does not make it
  // the stack's.
  virtual bool marks_owner() const { return false; }
};

}  // namespace virtplan::providers

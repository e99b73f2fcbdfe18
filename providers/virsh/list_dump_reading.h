#pragma once

// ListDumpReading is the reading most kinds need, in two rounds: first list
// the names (and the name sets that carry live state: autostart, running,
// paused), then dump every object's inactive XML and parse it with the kind.
// The declared objects' XML is asked for in the first round already (only
// those the stack owns, when owned() comes first), so the second round dumps
// only what was listed and not asked; when there is nothing such, there is no
// second round. An object whose dump says "not found" is taken for gone
// (it went between the listing and the dump) only once a third round's
// listing agrees: a lookup over a broken connection says the same.
// The ownership marker <metadata><vp:owner stack="..."/> is read from the
// XML when it is there (domains and networks; pools and volumes have none).

#include "providers/kind/reader.h"
#include "providers/virsh/command_results.h"

#include <functional>
#include <set>

namespace virtplan::providers {

// NameSets are the outputs of a recipe's list commands, as sets of names, in
// the order the recipe lists them (names[0] is every object).
using NameSets = std::vector<std::set<std::string>>;

// AheadCommand is a command a recipe asks in the first round because the
// stack declares `kind` `name` (a declared domain's XML, which a network
// reader reads to learn who uses each network): dropped when owned() comes
// first and the stack does not own that object, like the declared dumps.
struct AheadCommand {
  std::string kind;
  std::string name;
  VirshArgs command;
};

struct ListDumpRecipe {
  std::string kind;                                        // as the ledger names it: "domain"
  std::vector<VirshArgs> lists;                            // each prints names, one per line
  std::function<VirshArgs(const std::string& name)> dump;  // prints one object's inactive XML
  std::function<Result<Spec>(const std::string& xml)> parse;
  // Adds what the XML lacks (state, autostart) from the name sets.
  std::function<void(Spec& spec, const std::string& name, const NameSets& sets)> decorate;
  std::vector<std::string> declared;  // dumped in the first round, with the lists
  // Optional: asked in the first round with the lists, so that a host holding
  // just what the stack declares is still read in one round.
  std::vector<AheadCommand> ahead;
  // Optional: more commands for the second round, from the listings (the
  // snapshot lists of the domains `list --with-snapshot` names; the domains'
  // XML a network reader reads to learn which domains use each network).
  // What was asked already (ahead) is not asked again.
  std::function<std::vector<VirshArgs>(const NameSets& sets)> extra;
  // Optional: adds what the extra commands said to the objects read, once
  // every object is read; a failure fails the reading.
  std::function<Result<void>(std::vector<ReadObject>& objects, const NameSets& sets,
                             const CommandResults& results)>
      complete;
};

class ListDumpReading : public KindReading {
public:
  explicit ListDumpReading(ListDumpRecipe recipe) : m_recipe(std::move(recipe)) {}

  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override;
  void owned(const Ledger& ledger) override;
  Result<std::vector<ReadObject>> finish() override;

private:
  // confirm: a listing again, only when a dump said "not found".
  enum class Stage { list, dump, confirm, done };

  // The first listing asked again when vanished() is not empty; else nothing.
  std::vector<VirshArgs> relist_if_vanished();
  // The listed objects whose dump said "not found".
  std::set<std::string> vanished() const;
  // Fails when the confirming listing still names one of them, or failed.
  Result<void> confirm_vanished() const;

  ListDumpRecipe m_recipe;
  Stage m_stage = Stage::list;
  CommandResults m_results;
  NameSets m_sets;
  std::optional<Error> m_error;
};

// The names of the `kind` objects among `declared`, sorted.
std::vector<std::string> declared_names(const std::vector<StackObject>& declared, std::string_view kind);

// The names a `virsh -q ... --name` listing printed, one per line.
std::set<std::string> parse_name_list(const std::string& output);

// The names each of `lists` printed, in their order, from `results`; fails
// with the first listing's error when one failed.
Result<NameSets> read_name_sets(const CommandResults& results, const std::vector<VirshArgs>& lists);

// The stack named by the <vp:owner> marker in an object's XML, if any.
Result<std::optional<std::string>> read_owner(const std::string& xml);

}  // namespace virtplan::providers

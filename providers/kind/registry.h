#pragma once

// KindRegistry is the set of resource kinds a program knows, one entry per
// kind (cli/kinds.cc adds them, a line each: adding a kind is one folder and
// one line), found by the stack's section ("domains") or by kind ("domain").
// It holds pointers to objects that outlive it (each kind's folder keeps them
// as statics); the planner reaches the kinds only through it, and sees only
// their specs.

#include "providers/kind/object_expander.h"
#include "providers/kind/resource_kind.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

class KindActuator;
class KindReader;

// KindEntry is everything a program knows of one kind: its spec (the kind
// contract, with the field rules the plan and apply both read), how observe
// reads its objects from a host, and how apply changes them.
struct KindEntry {
  const ResourceKind* spec = nullptr;
  const KindReader* reader = nullptr;      // nullptr: never read from a host
  const KindActuator* actuator = nullptr;  // nullptr: never applied
};

// The entry of a kind whose reader and actuator are made without
// arguments: one of each, made on first use and kept for the process.
template <class Reader, class Actuator>
const KindEntry& kind_entry(const ResourceKind& spec) {
  static const Reader k_reader;
  static const Actuator k_actuator;
  static const KindEntry k_entry{&spec, &k_reader, &k_actuator};
  return k_entry;
}

class KindRegistry {
public:
  // Adds `entry`; a second entry with the same kind() or section() replaces the first.
  void add(const KindEntry& entry);
  // A kind with neither reader nor actuator (the planner's tests).
  void add(const ResourceKind& kind) { add(KindEntry{&kind}); }

  const ResourceKind* by_section(std::string_view section) const;
  const ResourceKind* by_kind(std::string_view kind) const;
  // The actuator of `kind` ("domain"); nullptr for a kind that has none.
  const KindActuator* actuator(std::string_view kind) const;

  // Every kind, sorted by kind name so that output is stable.
  std::vector<const ResourceKind*> kinds() const;
  // Every section name, sorted.
  std::vector<std::string> sections() const;
  // Every kind's reader, in kind order.
  const std::vector<const KindReader*>& readers() const { return m_readers; }

  // Expanders derive undeclared objects (see object_expander.h); asked in
  // the order they were added.
  void add_expander(const ObjectExpander& expander) { m_expanders.push_back(&expander); }
  const std::vector<const ObjectExpander*>& expanders() const { return m_expanders; }

private:
  std::map<std::string, KindEntry, std::less<>> m_by_kind;
  std::map<std::string, const ResourceKind*, std::less<>> m_by_section;
  std::vector<const KindReader*> m_readers;
  std::vector<const ObjectExpander*> m_expanders;
};

}  // namespace virtplan::providers

#pragma once

// KindRegistry is the set of resource kinds a program knows, found by the
// stack's section ("domains") or by kind ("domain"). It holds pointers to kinds
// that outlive it (cli/kinds.cc keeps them as statics); the planner reaches the
// kinds only through it.

#include "providers/object_expander.h"
#include "providers/resource_kind.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

class KindRegistry {
public:
  // Adds `kind`; a second kind with the same kind() or section() replaces the first.
  void add(const ResourceKind& kind);

  const ResourceKind* by_section(std::string_view section) const;
  const ResourceKind* by_kind(std::string_view kind) const;

  // Every kind, sorted by kind name so that output is stable.
  std::vector<const ResourceKind*> kinds() const;
  // Every section name, sorted.
  std::vector<std::string> sections() const;

  // Expanders derive undeclared objects (see object_expander.h); asked in
  // the order they were added.
  void add_expander(const ObjectExpander& expander) { m_expanders.push_back(&expander); }
  const std::vector<const ObjectExpander*>& expanders() const { return m_expanders; }

private:
  std::map<std::string, const ResourceKind*, std::less<>> m_by_kind;
  std::map<std::string, const ResourceKind*, std::less<>> m_by_section;
  std::vector<const ObjectExpander*> m_expanders;
};

}  // namespace virtplan::providers

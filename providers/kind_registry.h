#pragma once

// KindRegistry is the set of resource kinds a program knows, found by the
// stack's section ("domains") or by kind ("domain"). It holds pointers to kinds
// that outlive it (cli/kinds.cc keeps them as statics); the planner reaches the
// kinds only through it.

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

private:
  std::map<std::string, const ResourceKind*, std::less<>> m_by_kind;
  std::map<std::string, const ResourceKind*, std::less<>> m_by_section;
};

}  // namespace virtplan::providers

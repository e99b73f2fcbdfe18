#include "providers/base/diagnostics.h"

#include <algorithm>

namespace virtplan::providers {

std::string SourceLocation::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::str() const { return where.str() + ": " + message; }

void Diagnostics::add(SourceLocation where, std::string message) {
  m_items.push_back(Diagnostic{std::move(where), std::move(message)});
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<Diagnostic> items = m_items;
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

}  // namespace virtplan::providers

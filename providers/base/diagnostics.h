#pragma once

// Diagnostics collects every error found in a stack, so one run reports them
// all (sorted by position) instead of stopping at the first.

#include <string>
#include <vector>

namespace virtplan::providers {

// SourceLocation is a place in a stack file. Lines and columns count from 1;
// an empty file's errors are at line 1.
struct SourceLocation {
  std::string file;  // as given on the command line
  int line = 1;
  int column = 1;

  std::string str() const;  // "stack.yaml:12:5"
  auto operator<=>(const SourceLocation&) const = default;
};

struct Diagnostic {
  SourceLocation where;
  std::string message;  // lowercase, no trailing period; may start with the address

  std::string str() const;  // "stack.yaml:12:5: unknown key 'memroy' (did you mean 'memory'?)"
  auto operator<=>(const Diagnostic&) const = default;
};

class Diagnostics {
public:
  void add(SourceLocation where, std::string message);
  bool empty() const { return m_items.empty(); }
  std::size_t size() const { return m_items.size(); }
  // Sorted by file, line, column, then message; duplicates removed.
  std::vector<Diagnostic> sorted() const;

private:
  std::vector<Diagnostic> m_items;
};

}  // namespace virtplan::providers

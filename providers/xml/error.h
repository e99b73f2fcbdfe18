#pragma once

// Collects libxml2's errors through its per-context structured error hooks
// (never the global handler, so parsing on several threads is safe) and says
// them for a person: "3:14: opening and ending tag mismatch: a and b".

#include <string>
#include <vector>

struct _xmlError;

namespace virtplan::providers {

// XmlErrors is the list of messages one libxml2 operation reported.
class XmlErrors {
public:
  // The callback to register with libxml2 (xmlStructuredErrorFunc), with a
  // pointer to this object as its user data.
  static void collect(void* self, _xmlError* error);

  // Out of line: inlined into a caller that passes a string literal, GCC 12
  // -O2 warns of a memcpy out of bounds that is not there (-Warray-bounds).
  void add(std::string message);
  const std::vector<std::string>& messages() const { return m_messages; }
  bool empty() const { return m_messages.empty(); }
  // The messages on one line each; `fallback` when libxml2 said nothing.
  std::string joined(const std::string& fallback) const;

private:
  std::vector<std::string> m_messages;
};

}  // namespace virtplan::providers

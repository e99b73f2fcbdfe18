#pragma once

// JsonPath is a JSON pointer (RFC 6901: "/disks/vd~1b/cache") taken apart
// into its unescaped tokens ({"disks", "vd/b", "cache"}). Every place that
// splits, builds or shows a spec's field path goes through it, so "~1" and
// "~0" mean the same everywhere.
//
// Patterns (a kind's field rules, providers/kind/field_rules.h) are pointers too:
// a token "*" matches any one token, and a last token "**" matches any
// number of tokens, none included ("/wait/**" matches "/wait" and
// "/wait/timeout"; "/**" matches every path).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

class JsonPath {
public:
  JsonPath() = default;
  explicit JsonPath(std::vector<std::string> tokens) : m_tokens(std::move(tokens)) {}

  // "" is the whole document (no token); a pointer without its leading '/'
  // is read as if it had one.
  static JsonPath parse(std::string_view pointer);
  // One token as a pointer spells it: "a/b~c" -> "a~1b~0c".
  static std::string escape(std::string_view token);
  // The reverse: "a~1b~0c" -> "a/b~c" ('~' followed by anything else stays).
  static std::string unescape(std::string_view token);

  const std::vector<std::string>& tokens() const { return m_tokens; }
  std::size_t size() const { return m_tokens.size(); }
  bool empty() const { return m_tokens.empty(); }
  const std::string& operator[](std::size_t i) const { return m_tokens[i]; }

  JsonPath child(std::string_view token) const;
  // The pointer: "/disks/vd~1b".
  std::string str() const;
  // As a person reads it: "disks.vd/b.cache" (display only).
  std::string dotted() const;
  // Whether the path matches `pattern` (see above).
  bool matches(std::string_view pattern) const;

  bool operator==(const JsonPath&) const = default;

private:
  std::vector<std::string> m_tokens;
};

}  // namespace virtplan::providers

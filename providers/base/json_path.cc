#include "providers/base/json_path.h"

namespace virtplan::providers {

JsonPath JsonPath::parse(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return JsonPath();
  if (pointer.starts_with('/')) pointer.remove_prefix(1);
  while (true) {
    auto slash = pointer.find('/');
    tokens.push_back(unescape(pointer.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    pointer.remove_prefix(slash + 1);
  }
  return JsonPath(std::move(tokens));
}

std::string JsonPath::escape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string JsonPath::unescape(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[++i] == '1' ? '/' : '~';
    } else {
      out += token[i];
    }
  }
  return out;
}

JsonPath JsonPath::child(std::string_view token) const {
  JsonPath out = *this;
  out.m_tokens.emplace_back(token);
  return out;
}

std::string JsonPath::str() const {
  std::string out;
  for (const std::string& token : m_tokens) out += "/" + escape(token);
  return out;
}

std::string JsonPath::dotted() const {
  std::string out;
  for (std::size_t i = 0; i < m_tokens.size(); ++i) out += (i == 0 ? "" : ".") + m_tokens[i];
  return out;
}

bool JsonPath::matches(std::string_view pattern) const {
  const JsonPath want = parse(pattern);
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "**" && i + 1 == want.size()) return true;
    if (i >= size()) return false;
    if (want[i] != "*" && want[i] != m_tokens[i]) return false;
  }
  return want.size() == size();
}

}  // namespace virtplan::providers

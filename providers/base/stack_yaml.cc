#include "providers/base/stack_yaml.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <regex>

namespace virtplan::providers {

namespace {

// Plain scalars YAML (1.1 or 1.2) would not read back as a string.
bool needs_quotes(const std::string& text) {
  static const std::regex k_not_a_string(
      R"(|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)"
      R"(|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+)"
      R"(|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  if (std::regex_match(text, k_not_a_string)) return true;
  // Leading or trailing blanks, and characters that start YAML syntax.
  if (text.front() == ' ' || text.back() == ' ') return true;
  return text.find_first_of(":#{}[],&*!|>'\"%@`") == 0 || text.find(": ") != std::string::npos ||
         text.find(" #") != std::string::npos || text.find('\n') != std::string::npos;
}

template <typename Json>
void emit(YAML::Emitter& out, const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& item : value.items()) {
        out << YAML::Key;
        const std::string& key = item.key();
        // Integer keys (a vCPU pin's "0") stay plain: the loader reads them as numbers.
        const bool digits = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
        if (digits || (!key.empty() && !needs_quotes(key))) {
          out << key;
        } else {
          out << YAML::DoubleQuoted << key;
        }
        out << YAML::Value;
        emit(out, item.value());
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const std::string& text = value.template get_ref<const std::string&>();
      if (text.empty() || needs_quotes(text)) {
        out << YAML::DoubleQuoted << text;
      } else {
        out << text;
      }
      break;
    }
    case Json::value_t::boolean:
      out << value.template get<bool>();
      break;
    case Json::value_t::null:
      out << YAML::Null;
      break;
    case Json::value_t::number_unsigned:
      out << value.template get<std::uint64_t>();
      break;
    case Json::value_t::number_integer:
      out << value.template get<std::int64_t>();
      break;
    default:  // floating point, binary: not in a stack
      out << value.dump();
      break;
  }
}

template <typename Json>
std::string write(const Json& tree) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetMapFormat(YAML::Block);
  out.SetSeqFormat(YAML::Block);
  emit(out, tree);
  return std::string(out.c_str()) + "\n";
}

}  // namespace

std::string stack_yaml(const nlohmann::json& tree) { return write(tree); }

std::string stack_yaml(const nlohmann::ordered_json& tree) { return write(tree); }

}  // namespace virtplan::providers

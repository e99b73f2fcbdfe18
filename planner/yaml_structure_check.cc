#include "planner/yaml_structure_check.h"

#include "providers/base/yaml_map.h"

#include <fmt/format.h>

namespace virtplan::planner {

YamlStructureCheck::YamlStructureCheck(std::string file, providers::Diagnostics& diags)
    : m_file(std::move(file)), m_diags(diags) {}

void YamlStructureCheck::OnDocumentStart(const YAML::Mark& mark) {
  if (mark.pos <= m_last_start) {
    throw Stuck{mark};
  }
  m_last_start = mark.pos;
  ++m_documents;
  if (m_documents == 2) {
    m_diags.add(providers::location_of(mark, m_file),
                "a stack file holds one YAML document; this is a second one");
  }
}

void YamlStructureCheck::OnDocumentEnd() {}

void YamlStructureCheck::OnNull(const YAML::Mark& mark, YAML::anchor_t) { begin_node(mark, nullptr); }

void YamlStructureCheck::OnAlias(const YAML::Mark& mark, YAML::anchor_t) {
  begin_node(mark, nullptr);
  m_loadable = false;
  m_diags.add(providers::location_of(mark, m_file),
              "YAML aliases (*name) are not supported; write the value out, or use a profile "
              "for shared domain settings");
}

void YamlStructureCheck::OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                                  const std::string& value) {
  begin_node(mark, &value);
}

void YamlStructureCheck::OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                                         YAML::EmitterStyle::value) {
  open(mark, false);
}

void YamlStructureCheck::OnSequenceEnd() { close(); }

void YamlStructureCheck::OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                                    YAML::EmitterStyle::value) {
  open(mark, true);
}

void YamlStructureCheck::OnMapEnd() { close(); }

void YamlStructureCheck::begin_node(const YAML::Mark& mark, const std::string* scalar) {
  if (m_documents == 1 && m_open.empty() && scalar != nullptr) {
    m_empty = false;  // a lone scalar is not empty (and not a stack either)
  }
  if (m_open.empty() || !m_open.back().is_map) {
    return;
  }
  Frame& frame = m_open.back();
  bool is_key = frame.expect_key;
  frame.expect_key = !frame.expect_key;
  if (!is_key || scalar == nullptr) {
    return;
  }
  auto [first, inserted] = frame.keys.emplace(*scalar, mark);
  if (!inserted) {
    m_diags.add(providers::location_of(mark, m_file),
                fmt::format("duplicate key '{}' (first at line {})", *scalar,
                            providers::location_of(first->second, m_file).line));
  }
}

void YamlStructureCheck::open(const YAML::Mark& mark, bool is_map) {
  begin_node(mark, nullptr);
  if (m_documents == 1) {
    m_empty = false;
  }
  if (m_open.size() >= k_max_depth) {
    throw TooDeep{mark};
  }
  m_open.push_back(Frame{is_map, true, {}});
}

void YamlStructureCheck::close() {
  if (!m_open.empty()) {
    m_open.pop_back();
  }
}

}  // namespace virtplan::planner

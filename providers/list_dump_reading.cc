#include "providers/list_dump_reading.h"

#include "providers/owner_marker.h"
#include "providers/xml_document.h"

#include <fmt/format.h>

#include <sstream>

namespace virtplan::providers {

std::set<std::string> parse_name_list(const std::string& output) {
  std::set<std::string> names;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    // `pool-list --name` pads names with spaces to its table's width.
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    const auto last = line.find_last_not_of(" \t\r");
    names.insert(line.substr(first, last - first + 1));
  }
  return names;
}

Result<std::optional<std::string>> read_owner(const std::string& xml) {
  auto doc = XmlDocument::parse(xml);
  if (!doc) return fail(doc.error());
  auto stack = doc->root().xpath_string("/*/metadata/vp:owner/@stack", {owner_namespace()});
  if (!stack) return fail(stack.error());
  return *stack;
}

std::vector<VirshArgs> ListDumpReading::next_round(const std::vector<Result<std::string>>& previous) {
  switch (m_stage) {
    case Stage::list:
      m_stage = Stage::dump;
      return m_recipe.lists;
    case Stage::dump: {
      for (const auto& listed : previous) {
        if (!listed) {
          m_error = listed.error();
          m_stage = Stage::done;
          return {};
        }
        m_sets.push_back(parse_name_list(*listed));
      }
      m_names.assign(m_sets.at(0).begin(), m_sets.at(0).end());
      std::vector<VirshArgs> dumps;
      for (const std::string& name : m_names) dumps.push_back(m_recipe.dump(name));
      m_stage = Stage::done;
      if (dumps.empty()) return {};
      return dumps;
    }
    case Stage::done:
      m_dumps = previous;
      return {};
  }
  return {};
}

Result<std::vector<ReadObject>> ListDumpReading::finish() {
  if (m_error) return fail(*m_error);
  std::vector<ReadObject> objects;
  for (std::size_t i = 0; i < m_dumps.size() && i < m_names.size(); ++i) {
    const std::string& name = m_names[i];
    const auto& xml = m_dumps[i];
    if (!xml) {
      // Gone between the listing and the dump: it is not there.
      if (xml.error().code() == ErrorCode::not_found) continue;
      return fail(xml.error().with_context(name));
    }
    auto spec = m_recipe.parse(*xml);
    if (!spec) return fail(spec.error().with_context(name));
    auto owner = read_owner(*xml);
    if (!owner) return fail(owner.error().with_context(name));
    if (m_recipe.decorate) m_recipe.decorate(*spec, name, m_sets);
    objects.push_back(ReadObject{name, std::move(*spec), *owner});
  }
  return objects;
}

}  // namespace virtplan::providers

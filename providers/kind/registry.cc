#include "providers/kind/registry.h"

namespace virtplan::providers {

void KindRegistry::add(const KindEntry& entry) {
  m_by_kind[std::string(entry.spec->kind())] = entry;
  m_by_section[std::string(entry.spec->section())] = entry.spec;
  m_readers.clear();
  for (const auto& [name, kind] : m_by_kind) {
    if (kind.reader != nullptr) m_readers.push_back(kind.reader);
  }
}

const ResourceKind* KindRegistry::by_section(std::string_view section) const {
  auto it = m_by_section.find(section);
  return it == m_by_section.end() ? nullptr : it->second;
}

const ResourceKind* KindRegistry::by_kind(std::string_view kind) const {
  auto it = m_by_kind.find(kind);
  return it == m_by_kind.end() ? nullptr : it->second.spec;
}

const KindActuator* KindRegistry::actuator(std::string_view kind) const {
  auto it = m_by_kind.find(kind);
  return it == m_by_kind.end() ? nullptr : it->second.actuator;
}

std::vector<const ResourceKind*> KindRegistry::kinds() const {
  std::vector<const ResourceKind*> all;
  for (const auto& [name, kind] : m_by_kind) {
    all.push_back(kind.spec);
  }
  return all;
}

std::vector<std::string> KindRegistry::sections() const {
  std::vector<std::string> all;
  for (const auto& [name, kind] : m_by_section) {
    all.push_back(name);
  }
  return all;
}

}  // namespace virtplan::providers

#include "providers/kind/stack_index.h"

#include "providers/kind/resource_kind.h"

namespace virtplan::providers {

StackIndex::StackIndex(const std::vector<StackObject>& objects) : m_objects(&objects) { build(); }

StackIndex::StackIndex(std::initializer_list<StackObject> objects) : m_owned(objects), m_objects(&m_owned) {
  build();
}

// The first object of an id wins, as the loader reports the others.
void StackIndex::build() {
  for (std::size_t i = 0; i < m_objects->size(); ++i) {
    const StackObject& object = (*m_objects)[i];
    m_by_id.emplace(object.id, i);
    m_by_name.emplace(std::tuple{object.id.kind, object.id.name, object.id.host}, i);
    m_by_kind_and_host[{object.id.kind, object.id.host}].push_back(&object);
  }
}

const StackObject* StackIndex::find(const ObjectId& id) const {
  auto it = m_by_id.find(id);
  return it == m_by_id.end() ? nullptr : &(*m_objects)[it->second];
}

const StackObject* StackIndex::find(const std::string& kind, const std::string& name,
                                    const std::string& host) const {
  auto it = m_by_name.find(std::tuple{kind, name, host});
  return it == m_by_name.end() ? nullptr : &(*m_objects)[it->second];
}

const std::vector<const StackObject*>& StackIndex::on_host(const std::string& kind,
                                                           const std::string& host) const {
  static const std::vector<const StackObject*> k_none;
  auto it = m_by_kind_and_host.find({kind, host});
  return it == m_by_kind_and_host.end() ? k_none : it->second;
}

std::vector<StackObject>::const_iterator StackIndex::begin() const {
  ++m_walks;
  return m_objects->begin();
}
std::vector<StackObject>::const_iterator StackIndex::end() const { return m_objects->end(); }
std::size_t StackIndex::size() const { return m_objects->size(); }

}  // namespace virtplan::providers

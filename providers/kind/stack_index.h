#pragma once

// StackIndex is every object of a stack with indexes over them, for the
// checks and lookups that cross objects (a disk's volume, the pools of a
// host): built once per load, each lookup costs O(log n), so that validating
// a stack stays linear in its size. Scanning every object for each object
// was quadratic: 16,000 domains took over a minute.
//
// It refers to the objects, it does not copy them: an object a kind resolves
// in place is seen changed by the lookups after it. The objects must not move
// (no insertion into their vector) while an index refers to them.

#include "providers/kind/object_id.h"

#include <initializer_list>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace virtplan::providers {

struct StackObject;

class StackIndex {
public:
  // Implicit: a call with a plain vector of objects builds an index for it.
  StackIndex(const std::vector<StackObject>& objects);  // NOLINT(google-explicit-constructor)
  // An index over its own copy of `objects` (tests, small lists).
  StackIndex(std::initializer_list<StackObject> objects);
  StackIndex(const StackIndex&) = delete;
  StackIndex& operator=(const StackIndex&) = delete;

  // The object of exactly this id (a volume's pool included).
  const StackObject* find(const ObjectId& id) const;
  // The object of this kind, name and host, whatever its pool: a stack
  // declares one volume per name and host (the loader refuses a second), so
  // a reference by name (a disk's volume) finds the one.
  const StackObject* find(const std::string& kind, const std::string& name, const std::string& host) const;
  // The objects of `kind` on `host`, in the objects' order.
  const std::vector<const StackObject*>& on_host(const std::string& kind, const std::string& host) const;

  std::vector<StackObject>::const_iterator begin() const;
  std::vector<StackObject>::const_iterator end() const;
  std::size_t size() const;
  // How many times something walked every object (begin()): a per-object
  // check must look others up, never walk them all (tests count it).
  std::size_t walks() const { return m_walks; }

private:
  void build();

  std::vector<StackObject> m_owned;
  const std::vector<StackObject>* m_objects;
  std::map<ObjectId, std::size_t> m_by_id;
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> m_by_name;  // kind, name, host
  std::map<std::pair<std::string, std::string>, std::vector<const StackObject*>> m_by_kind_and_host;
  mutable std::size_t m_walks = 0;
};

}  // namespace virtplan::providers

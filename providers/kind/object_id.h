#pragma once

// ObjectId names one object on one host: its kind, its name, its host and,
// for a volume, its pool. Identity is exact (architecture.md, decision 9): a
// volume is (host, pool, name), so a same-named volume in a foreign pool is
// another object. Its address, "domain.web@lab1", is how plans, messages and
// --target name it; a volume's address leaves its pool out, since a stack
// declares one volume per name (qualified_address() says it in full:
// "volume.images/root@lab1").

#include <compare>
#include <string>

namespace virtplan::providers {

// NAME, or POOL/NAME for a volume: a name with its pool, as qualified
// addresses and ledger keys spell it (names never hold '/').
inline std::string name_in_pool(const std::string& pool, const std::string& name) {
  return pool.empty() ? name : pool + "/" + name;
}

struct ObjectId {
  std::string kind;       // "domain", "volume", "pool", "network"
  std::string name;       // the libvirt name exactly
  std::string host;       // the key in `hosts:`
  std::string pool = {};  // a volume's pool; empty for the other kinds

  std::string address() const { return kind + "." + name + "@" + host; }
  // The address with the pool: "volume.images/root@lab1".
  std::string qualified_address() const { return kind + "." + name_in_pool(pool, name) + "@" + host; }
  // Whether an address as typed (`query`, from parse_address()) names this
  // object: a query without a pool names a volume of that name in any pool.
  bool named_by(const ObjectId& query) const {
    return kind == query.kind && name == query.name && host == query.host &&
           (query.pool.empty() || pool == query.pool);
  }
  auto operator<=>(const ObjectId&) const = default;
};

}  // namespace virtplan::providers

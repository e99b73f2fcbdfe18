#pragma once

// ObjectId names one object on one host: its kind, its name and its host. Its
// address, "domain.web@lab1", is how plans, messages and --target name it.

#include <compare>
#include <string>

namespace virtplan::providers {

struct ObjectId {
  std::string kind;  // "domain", "volume", "pool", "network"
  std::string name;  // the libvirt name exactly
  std::string host;  // the key in `hosts:`

  std::string address() const { return kind + "." + name + "@" + host; }
  auto operator<=>(const ObjectId&) const = default;
};

}  // namespace virtplan::providers

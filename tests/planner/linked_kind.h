#pragma once

// LinkedKind is a kind for apply tests whose references are listed in the
// spec itself: {"needs": ["pool.p", "volume.v"]} references pool p and
// volume v on the object's own host.

#include "tests/planner/stub_kind.h"

#include <string>

namespace virtplan::planner::testing {

class LinkedKind : public StubKind {
public:
  explicit LinkedKind(std::string kind) : StubKind(kind, kind + "s") {}

  std::vector<providers::Reference> references(const providers::StackObject& object) const override {
    std::vector<providers::Reference> out;
    for (const auto& need : object.spec.value("needs", nlohmann::json::array())) {
      const std::string text = need.get<std::string>();
      const auto dot = text.find('.');
      out.push_back(providers::Reference{{text.substr(0, dot), text.substr(dot + 1), object.id.host},
                                         {},
                                         providers::Reference::Need::declared});
    }
    return out;
  }
};

}  // namespace virtplan::planner::testing

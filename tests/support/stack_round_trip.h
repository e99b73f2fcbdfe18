#pragma once

// check_stack_round_trip(): an observed spec written as stack YAML by its
// kind's to_stack() and read back by the kind's parser (and resolve(), given
// the other objects the YAML refers to) must give a desired spec the plan
// finds equal to the observed one: every top-level key of the desired spec,
// after reconcile(), equal to the observed value. That is what makes the plan
// empty after `virtplan import`.

#include "providers/base/stack_yaml.h"
#include "providers/kind/resource_kind.h"
#include "tests/support/kind_fixture.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace virtplan::test {

// Returns the YAML text to_stack() gave, for tests that also check its form.
inline std::string check_stack_round_trip(const providers::ResourceKind& kind, const std::string& name,
                                          const providers::Spec& observed,
                                          const std::vector<providers::StackObject>& others = {}) {
  auto tree = kind.to_stack(observed);
  if (!tree) FAIL(tree.error().message());
  const std::string text = providers::stack_yaml(*tree);
  INFO("observed:\n" << observed.dump(2) << "\nstack YAML:\n" << text);
  Parsed parsed = parse_object(kind, name, text);
  CHECK(parsed.messages() == std::vector<std::string>{});
  std::vector<providers::StackObject> all = others;
  all.push_back(parsed.object);
  kind.resolve(parsed.object, all);
  const providers::Spec desired = kind.reconcile(parsed.object.spec, observed);
  for (const auto& item : desired.items()) {
    INFO("key " << item.key());
    CHECK(item.value().dump(2) == observed.value(item.key(), nlohmann::json()).dump(2));
  }
  return text;
}

}  // namespace virtplan::test

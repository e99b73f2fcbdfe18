// The loader's expansion pass: objects an expander derives from declared ones
// join the stack (sorted, with the stack's name), satisfy references, and
// may not also be declared.

#include "providers/kind/object_expander.h"
#include "planner/stack_loader.h"

#include "tests/planner/fake_kinds.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace virtplan::planner {
namespace {

using providers::Diagnostics;
using providers::StackObject;

// A domain with firmware uefi implies volume "<domain>-vars", sized 1 MiB.
class FakeVarsExpander : public providers::ObjectExpander {
public:
  std::vector<StackObject> expand(const StackObject& object, Diagnostics&) const override {
    if (object.id.kind != "domain" || object.spec.value("firmware", "") != "uefi") return {};
    StackObject vars;
    vars.id = {"volume", object.id.name + "-vars", object.id.host};
    vars.spec = {{"capacity", 1048576}};
    vars.where = object.where;
    return {vars};
  }
};

struct Expanded {
  Stack stack;
  std::vector<std::string> errors;
};

Expanded expand_text(const std::string& text) {
  static const testing::FakeDomainKind domains;
  static const testing::FakeVolumeKind volumes;
  static const FakeVarsExpander expander;
  providers::KindRegistry registry;
  registry.add(domains);
  registry.add(volumes);
  registry.add_expander(expander);
  Diagnostics diags;
  Expanded loaded{StackLoader(registry).load({SourceFile{"s.yaml", text}}, diags), {}};
  for (const auto& d : diags.sorted()) loaded.errors.push_back(d.str());
  return loaded;
}

std::vector<std::string> addresses(const Stack& stack) {
  std::vector<std::string> out;
  for (const auto& object : stack.objects) out.push_back(object.id.address());
  return out;
}

const std::string k_head =
    "stack: demo\n"
    "hosts:\n"
    "  lab1: {address: local}\n"
    "  lab2: {address: 'ssh://root@10.0.0.2'}\n";

}  // namespace

TEST_CASE("derived objects join the stack on their domain's hosts, sorted, and satisfy references") {
  auto loaded =
      expand_text(k_head +
                  "volumes:\n"
                  "  zz: {host: lab1, capacity: 1GiB}\n"
                  "domains:\n"
                  "  web: {hosts: [lab1, lab2], firmware: uefi, disks: [{target: vdb, volume: web-vars}]}\n"
                  "  app: {host: lab1, firmware: bios}\n");
  CHECK(loaded.errors == std::vector<std::string>{});
  CHECK(addresses(loaded.stack) == std::vector<std::string>{"domain.app@lab1", "domain.web@lab1",
                                                            "domain.web@lab2", "volume.web-vars@lab1",
                                                            "volume.web-vars@lab2", "volume.zz@lab1"});
  auto vars = std::find_if(loaded.stack.objects.begin(), loaded.stack.objects.end(),
                           [](const StackObject& o) { return o.id.address() == "volume.web-vars@lab2"; });
  REQUIRE(vars != loaded.stack.objects.end());
  CHECK(vars->stack == "demo");
  CHECK(vars->spec == nlohmann::json{{"capacity", 1048576}});
}

TEST_CASE("declaring an object that virtplan derives is an error at the declaration") {
  auto loaded = expand_text(k_head +
                            "volumes:\n"
                            "  web-vars: {host: lab1, capacity: 1GiB}\n"
                            "domains:\n"
                            "  web: {host: lab1, firmware: uefi}\n");
  CHECK(loaded.errors == std::vector<std::string>{
                             "s.yaml:6:3: volume.web-vars@lab1: volume 'web-vars' is made by virtplan for "
                             "domain.web@lab1; the stack must not declare it"});
}

}  // namespace virtplan::planner

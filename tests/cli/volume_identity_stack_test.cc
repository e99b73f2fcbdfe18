// A volume's identity holds its pool (issue 15, item 1), as the real kinds
// load a stack: every volume id, and every reference to a volume (a disk's,
// an overlay's backing file), names the pool; and a stack that declares one
// volume name twice, in two pools of one host, is refused, so that
// `volume.NAME@HOST` names one volume of the stack.

#include "cli/kinds.h"
#include "planner/stack_loader.h"

#include <catch2/catch.hpp>

#include <algorithm>

namespace {

using virtplan::providers::Diagnostics;
using virtplan::providers::ObjectId;
using virtplan::providers::StackObject;

const std::string k_head = "stack: demo\nhosts:\n  lab1: {address: local}\n";

std::vector<StackObject> load(const std::vector<virtplan::planner::SourceFile>& files, Diagnostics& diags) {
  return virtplan::planner::StackLoader(virtplan::cli::kinds()).load(files, diags).objects;
}

const StackObject& object(const std::vector<StackObject>& all, const std::string& address) {
  auto it =
      std::find_if(all.begin(), all.end(), [&](const StackObject& o) { return o.id.address() == address; });
  REQUIRE(it != all.end());
  return *it;
}

}  // namespace

TEST_CASE("a loaded volume's id, a disk's volume and an overlay's backing file all name the pool") {
  Diagnostics diags;
  const auto all =
      load({{"s.yaml",
             k_head + "pools:\n  img: {host: lab1, type: dir, path: /var/lib/virtplan/img}\n"
                      "volumes:\n  base: {host: lab1, pool: img, format: qcow2, capacity: 1GiB}\n"
                      "  root: {host: lab1, pool: img, format: qcow2, capacity: 1GiB, backing: base}\n"
                      "domains:\n  web: {host: lab1, vcpus: 1, memory: 64MiB, disks: [{volume: root}]}\n"}},
           diags);
  for (const auto& d : diags.sorted()) FAIL_CHECK(d.str());
  const ObjectId root{"volume", "root", "lab1", "img"};
  CHECK(object(all, "volume.root@lab1").id == root);
  const auto& kinds = virtplan::cli::kinds();
  auto targets = [&](const StackObject& o) {
    std::vector<ObjectId> out;
    for (const auto& ref : kinds.by_kind(o.id.kind)->references(o)) out.push_back(ref.target);
    return out;
  };
  const auto of_web = targets(object(all, "domain.web@lab1"));
  CHECK(std::find(of_web.begin(), of_web.end(), root) != of_web.end());
  const auto of_root = targets(object(all, "volume.root@lab1"));
  CHECK(std::find(of_root.begin(), of_root.end(), ObjectId{"volume", "base", "lab1", "img"}) !=
        of_root.end());
}

TEST_CASE("one volume name declared in two pools of one host is refused, naming both places") {
  Diagnostics diags;
  load({{"d/a.yaml", k_head + "pools:\n  a: {host: lab1, type: dir, path: /var/lib/virtplan/a}\n"
                              "  b: {host: lab1, type: dir, path: /var/lib/virtplan/b}\n"
                              "volumes:\n  root: {host: lab1, pool: a, capacity: 1GiB}\n"},
        {"d/b.yaml", "volumes:\n  root: {host: lab1, pool: b, capacity: 1GiB}\n"}},
       diags);
  std::vector<std::string> errors;
  for (const auto& d : diags.sorted()) errors.push_back(d.str());
  CHECK(errors ==
        std::vector<std::string>{"d/b.yaml:2:3: volume 'root' is declared twice (first at d/a.yaml:8:3)"});
}

// With every real kind: what `virtplan import` prints is read back through
// the stack loader before anything is adopted (refused_declarations), and
// the loader is no stricter than libvirt where libvirt's value is
// legitimate: a NIC on a network the host has and the stack does not
// declare, an iSCSI target not in IQN form, an empty file beside the
// stack's own (the shell's redirect target). The unrepresentable objects a
// host holds are listed by the diff as left alone.

#include "cli/imported_yaml_check.h"
#include "cli/kinds.h"
#include "planner/diff.h"
#include "planner/stack_loader.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

using virtplan::cli::ImportedDeclaration;
using virtplan::cli::refused_declarations;
using virtplan::planner::SourceFile;

const std::string k_base = "stack: demo\nhosts:\n  lab1: {address: local}\n";

std::vector<std::string> load_errors(const std::vector<SourceFile>& files) {
  virtplan::providers::Diagnostics diags;
  virtplan::planner::StackLoader(virtplan::cli::kinds()).load(files, diags);
  std::vector<std::string> errors;
  for (const auto& d : diags.sorted()) errors.push_back(d.str());
  return errors;
}

ImportedDeclaration declared(const std::string& section, const std::string& name,
                             nlohmann::ordered_json keys) {
  nlohmann::ordered_json declaration = {{"host", "lab1"}};
  for (const auto& item : keys.items()) declaration[item.key()] = item.value();
  return ImportedDeclaration{section.substr(0, section.size() - 1) + "." + name + "@lab1", section, name,
                             declaration};
}

}  // namespace

TEST_CASE("a NIC may use a network the stack does not declare, but not a near miss of a declared one") {
  const std::string domain = "domains:\n  web:\n    host: lab1\n    memory: 1GiB\n    interfaces:\n";
  CHECK(load_errors({{"s.yaml", k_base + domain + "      - {network: default}\n"}}).empty());
  const std::string lan = "networks:\n  lan: {host: lab1, mode: nat, ipv4: {address: 10.1.0.1/24}}\n";
  CHECK(load_errors({{"s.yaml", k_base + lan + domain + "      - {network: default}\n"}}).empty());
  CHECK(
      load_errors({{"s.yaml", k_base + lan + domain + "      - {network: lna}\n"}}) ==
      std::vector<std::string>{
          "s.yaml:11:9: domain.web@lab1: network 'lna' is not declared in the stack (did you mean 'lan'?)"});
}

TEST_CASE("an empty or comment-only file beside the stack's own declares nothing") {
  CHECK(load_errors({{"stack/base.yaml", k_base}, {"stack/data.yaml", ""}}).empty());
  CHECK(load_errors({{"stack/base.yaml", k_base}, {"stack/notes.yaml", "# later\n"}}).empty());
  // alone it is still a mistake
  CHECK(load_errors({{"stack.yaml", ""}}) == std::vector<std::string>{"stack.yaml:1:1: the file is empty"});
}

TEST_CASE("import refuses, with the loader's words, a declaration that would not validate") {
  const std::vector<SourceFile> stack = {{"base.yaml", k_base}};
  const std::vector<ImportedDeclaration> declarations = {
      declared("pools", "san",
               {{"type", "iscsi"}, {"source", {{"host", "10.0.0.9"}, {"iqn", "storage.lun1"}}}}),
      declared("volumes", "orphan", {{"pool", "nowhere"}, {"capacity", "1GiB"}}),
      declared("pools", "images", {{"type", "dir"}, {"path", "/srv/images"}}),
      declared("volumes", "root", {{"pool", "images"}, {"capacity", "1GiB"}}),
      declared("networks", "bad", {{"mode", "bridge"}}),
  };
  const auto refused = refused_declarations(stack, declarations);
  REQUIRE(refused.size() == 2);
  CHECK(refused.at(1).find("pool 'nowhere' is not declared in the stack") != std::string::npos);
  CHECK(refused.at(4).find("bridge mode needs 'bridge'") != std::string::npos);
}

TEST_CASE("import checks its own declaration where the stack declares the object too") {
  // declared but not owned: the plan said to import it
  const std::vector<SourceFile> stack = {
      {"base.yaml", k_base + "pools:\n  images: {host: lab1, type: dir, path: /srv/images}\n"}};
  CHECK(refused_declarations(stack, {declared("pools", "images", {{"type", "dir"}, {"path", "/srv/images"}})})
            .empty());
  const auto refused =
      refused_declarations(stack, {declared("pools", "images", {{"type", "dir"}, {"path", "relative"}})});
  REQUIRE(refused.size() == 1);
  CHECK(refused.at(0).find("'relative' is not an absolute path") != std::string::npos);
}

TEST_CASE("objects a host holds that no kind can represent are listed as left alone") {
  virtplan::planner::ObservedState observed;
  observed.unrepresentable.push_back({virtplan::providers::ObjectId{"network", "sriov", "lab1"},
                                      "forward mode 'hostdev' is not one virtplan manages"});
  const auto result = virtplan::planner::diff("demo", {}, observed, virtplan::cli::kind_lookup());
  CHECK(result.errors.empty());
  CHECK(result.warnings ==
        std::vector<std::string>{
            "network.sriov@lab1: unmanaged, left alone: forward mode 'hostdev' is not one virtplan manages"});
}

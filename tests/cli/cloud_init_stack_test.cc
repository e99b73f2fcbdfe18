// A domain with cloud_init, loaded and planned with every real kind: the
// derived seed volume is the domain's dependency (created before it), the
// domain carries the seed's hash, and new user-data in the file the stack
// names plans the seed's replace and a restart of the domain, with the
// user-data's secrets nowhere in the plan's text or JSON.

#include "cli/kinds.h"
#include "planner/apply_graph.h"
#include "planner/diff.h"
#include "planner/plan_json.h"
#include "planner/plan_text.h"
#include "planner/stack_loader.h"
#include "storage/volume_actuator.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using virtplan::planner::Action;
using virtplan::providers::StackObject;

struct StackDir {
  fs::path path = fs::temp_directory_path() / ("vp-ci-stack-" + std::to_string(getpid()));
  StackDir() { fs::create_directories(path); }
  ~StackDir() { fs::remove_all(path); }
};

const std::string k_stack = R"(stack: demo
hosts:
  lab1: {address: local}
pools:
  images: {host: lab1, type: dir, path: /var/lib/virtplan/images}
volumes:
  web-root: {host: lab1, pool: images, format: qcow2, capacity: 1GiB}
domains:
  web:
    host: lab1
    vcpus: 1
    memory: 64MiB
    disks: [{volume: web-root}]
    cloud_init: {user_data: ./user-data.yaml}
    wait: {ip: true, timeout: 90s}
)";

std::vector<StackObject> load(const StackDir& dir, const std::string& user_data) {
  std::ofstream(dir.path / "user-data.yaml") << user_data;
  virtplan::providers::Diagnostics diags;
  auto stack = virtplan::planner::StackLoader(virtplan::cli::kinds())
                   .load({{(dir.path / "stack.yaml").string(), k_stack}}, diags);
  for (const auto& d : diags.sorted()) UNSCOPED_INFO(d.str());
  REQUIRE(diags.empty());
  return stack.objects;
}

const StackObject& find(const std::vector<StackObject>& objects, const std::string& address) {
  for (const auto& object : objects) {
    if (object.id.address() == address) return object;
  }
  FAIL("no " << address);
  return objects.front();
}

// The host after an apply of `objects`: each as declared, the seed volume
// with what its actuator records in the ledger.
virtplan::planner::ObservedState applied(const std::vector<StackObject>& objects) {
  virtplan::planner::ObservedState state;
  for (const auto& object : objects) {
    json spec = object.spec;
    if (object.id.kind == "volume") spec.update(virtplan::storage::volume_ledger_data(object.spec));
    if (object.id.name == "web-cidata") spec["capacity"] = 374784;
    state.objects.push_back({object.id, spec, virtplan::planner::Ownership::ours, "demo"});
  }
  return state;
}

}  // namespace

TEST_CASE("cloud_init: the seed volume is derived, referenced by its domain and created first") {
  StackDir dir;
  auto objects = load(dir, "#cloud-config\npassword: first-secret\n");
  const StackObject& seed = find(objects, "volume.web-cidata@lab1");
  const StackObject& web = find(objects, "domain.web@lab1");
  CHECK(web.spec.at("cloud_init").at("seed_sha256") == seed.spec.at("cloud_init").at("sha256"));
  auto refs = virtplan::cli::kinds().by_kind("domain")->references(web);
  CHECK(std::any_of(refs.begin(), refs.end(),
                    [](const auto& r) { return r.target.address() == "volume.web-cidata@lab1"; }));

  auto created = virtplan::planner::diff("demo", objects, {}, virtplan::cli::kind_lookup());
  REQUIRE(created.errors.empty());
  auto graph = virtplan::planner::ApplyGraph::build(created.plan, virtplan::cli::kind_lookup());
  REQUIRE(graph);
  std::size_t seed_step = graph->size();
  std::size_t web_step = graph->size();
  for (std::size_t i = 0; i < graph->size(); ++i) {
    if (graph->step(i).id == seed.id) seed_step = i;
    if (graph->step(i).id == web.id) web_step = i;
  }
  REQUIRE(web_step < graph->size());
  const auto& needs = graph->dependencies(web_step);
  CHECK(std::find(needs.begin(), needs.end(), seed_step) != needs.end());
}

TEST_CASE(
    "cloud_init: unchanged is an empty plan, and new user-data replaces the seed and restarts the domain, "
    "secrets masked") {
  StackDir dir;
  auto before = load(dir, "#cloud-config\npassword: first-secret\n");
  auto lookup = virtplan::cli::kind_lookup();
  auto same = virtplan::planner::diff("demo", before, applied(before), lookup);
  CHECK(same.errors.empty());
  CHECK_FALSE(same.plan.summary().has_changes());

  auto after = load(dir, "#cloud-config\npassword: second-secret\n");
  auto changed = virtplan::planner::diff("demo", after, applied(before), lookup);
  INFO(fmt::format("{}", fmt::join(changed.errors, "\n")));
  REQUIRE(changed.errors.empty());
  std::map<std::string, const virtplan::planner::Change*> by_address;
  for (const auto& change : changed.plan.changes()) by_address[change.id.address()] = &change;
  REQUIRE(by_address.count("volume.web-cidata@lab1"));
  REQUIRE(by_address.count("domain.web@lab1"));
  CHECK(by_address["volume.web-cidata@lab1"]->action == Action::replace);
  CHECK(by_address["domain.web@lab1"]->action == Action::update);
  CHECK(by_address["domain.web@lab1"]->impact == virtplan::providers::Impact::restart);
  CHECK(by_address["volume.web-root@lab1"]->action == Action::no_op);

  const std::string text = virtplan::planner::render_plan_text(changed.plan, lookup);
  INFO(text);
  CHECK(text.find("cloud_init.seed_sha256") != std::string::npos);
  CHECK(text.find("/cloud_init/sha256") != std::string::npos);  // the replace's reason
  CHECK(text.find("secret") == std::string::npos);
  CHECK(text.find("DATA LOSS") == std::string::npos);
  const std::string plan_json =
      virtplan::planner::plan_to_json(changed.plan, virtplan::planner::Secrets::masked).dump();
  CHECK(plan_json.find("first-secret") == std::string::npos);
  CHECK(plan_json.find("second-secret") == std::string::npos);
}

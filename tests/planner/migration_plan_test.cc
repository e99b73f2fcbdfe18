#include "planner/migration_plan.h"

#include "planner/apply_executor.h"
#include "planner/apply_graph.h"
#include "planner/diff.h"
#include "planner/plan_json.h"
#include "planner/plan_text.h"

#include "tests/planner/stub_kind.h"

#include <catch2/catch.hpp>

namespace virtplan::planner {
namespace {

using nlohmann::json;
using providers::ObjectId;
using providers::Spec;
using providers::StackObject;

constexpr std::uint64_t k_moved_gib = 1024ull * 1024 * 1024;

// Domains migrate; their disks (/disks: volume names) reference volumes in
// pool p; /state says whether one runs.
class MovingDomainKind : public testing::StubKind {
public:
  MovingDomainKind() : StubKind("domain", "domains") {}
  bool migrates() const override { return true; }
  std::vector<providers::Reference> references(const StackObject& object) const override {
    std::vector<providers::Reference> out;
    // "NAME" in pool p, or "POOL:NAME".
    for (const json& disk : object.spec.value("disks", json::array())) {
      const std::string text = disk.get<std::string>();
      const auto colon = text.find(':');
      out.push_back({colon == std::string::npos
                         ? ObjectId{"volume", text, object.id.host, "p"}
                         : ObjectId{"volume", text.substr(colon + 1), object.id.host, text.substr(0, colon)},
                     {}});
    }
    return out;
  }
  providers::Running running(const Spec& observed, const Spec&) const override {
    return observed.value("state", "stopped") == "running" ? providers::Running::yes : providers::Running::no;
  }
};

// Volumes hold /capacity bytes and are held by the domains /used_by names.
class HeldVolumeKind : public testing::StubKind {
public:
  HeldVolumeKind() : StubKind("volume", "volumes") {}
  std::vector<providers::Hold> holds(const ObjectId& id, const Spec& observed, bool) const override {
    std::vector<providers::Hold> out;
    for (const json& name : observed.value("used_by", json::array()))
      out.push_back({ObjectId{"domain", name.get<std::string>(), id.host}, "disk vda"});
    return out;
  }
  std::optional<std::uint64_t> data_at_risk(const Spec& observed) const override {
    return observed.value("capacity", std::uint64_t{0});
  }
  // An overlay (/backing) uses its base, in its pool.
  std::vector<providers::Reference> references(const StackObject& object) const override {
    if (!object.spec.contains("backing")) return {};
    return {{ObjectId{"volume", object.spec["backing"].get<std::string>(), object.id.host, "p"}, {}}};
  }
  // An overlay's base, by the volume kind's rule (storage::VolumeKind answers the same).
  std::optional<providers::VolumeBase> volume_base(const Spec& observed) const override {
    return providers::volume_base_of(observed);
  }
};

const MovingDomainKind k_moving_domains;
const HeldVolumeKind k_moving_volumes;

// Pools are one storage on two hosts when both declarations say /shared
// (the real rule is storage::PoolKind's, tests/storage/pool_sharing_test.cc).
class SharingPoolKind : public testing::StubKind {
public:
  SharingPoolKind() : StubKind("pool", "pools") {}
  bool shares_storage(const Spec& here, const Spec& there) const override {
    return here.value("shared", false) && there.value("shared", false);
  }
};

const SharingPoolKind k_moving_pools;

const providers::ResourceKind* moving_kinds(std::string_view kind) {
  if (kind == "pool") return &k_moving_pools;
  if (kind == "domain") return &k_moving_domains;
  if (kind == "volume") return &k_moving_volumes;
  return nullptr;
}

StackObject declared(ObjectId id, Spec spec) {
  return StackObject{std::move(id), std::move(spec), "s", {}, {}};
}

// One object the stack owns on its host.
ObservedObject ours(ObjectId id, Spec spec) {
  return ObservedObject{std::move(id), std::move(spec), Ownership::ours, ""};
}

ObjectId domain(const std::string& host) { return {"domain", "web", host}; }
ObjectId volume(const std::string& name, const std::string& host) { return {"volume", name, host, "p"}; }

// web declared on h2 with its root volume; the stack owns both on h1.
struct Moved {
  std::vector<StackObject> desired{declared(domain("h2"), {{"disks", {"web-root"}}}),
                                   declared(volume("web-root", "h2"), {{"capacity", 10 * k_moved_gib}})};
  ObservedState observed{
      {
          ours(domain("h1"), {{"disks", {"web-root"}}, {"state", "stopped"}}),
          ours(volume("web-root", "h1"), {{"capacity", 10 * k_moved_gib}, {"used_by", {"web"}}}),
      },
      {}};
};

const Change* change_of(const Plan& plan, const ObjectId& id) {
  for (const Change& c : plan.changes())
    if (c.id == id) return &c;
  return nullptr;
}

TEST_CASE("a stopped domain declared on another host is one migrate, its volume moving with it") {
  Moved m;
  const DiffResult result = diff("s", m.desired, m.observed, moving_kinds);
  REQUIRE(result.errors.empty());
  REQUIRE(result.plan.changes().size() == 2);
  const Change* web = change_of(result.plan, domain("h1"));
  REQUIRE(web != nullptr);
  CHECK(web->action == Action::migrate);
  CHECK(web->destination == "h2");
  CHECK(web->moves_with.empty());
  CHECK(web->reasons == std::vector<std::string>{"offline, 10 GiB of disk copied"});
  CHECK_FALSE(web->live);
  const Change* root = change_of(result.plan, volume("web-root", "h1"));
  REQUIRE(root != nullptr);
  CHECK(root->action == Action::migrate);
  CHECK(root->destination == "h2");
  CHECK(root->moves_with == "domain.web@h1");
  CHECK(result.plan.summary().migrate == 2);
  CHECK(result.plan.summary().destroy == 0);
  CHECK(result.plan.summary().add == 0);
  // Nothing of theirs on h2: apply refuses whatever of their names it finds there.
  CHECK_FALSE(web->destination_ours);
  CHECK_FALSE(root->destination_ours);

  const std::string text = render_plan_text(result.plan, moving_kinds);
  CHECK_THAT(text, Catch::Contains("~> domain.web@h1       migrate to h2  offline, 10 GiB of disk copied"));
  CHECK_THAT(text,
             Catch::Contains("~> volume.web-root@h1  migrate to h2  with domain.web@h1, 10 GiB copied"));
  CHECK_THAT(text, Catch::Contains("Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy, 2 to migrate."));
  CHECK(text.find("DATA LOSS") == std::string::npos);
}

TEST_CASE("a migrate reads back from the JSON plan with its destination") {
  Moved m;
  const Plan plan = diff("s", m.desired, m.observed, moving_kinds).plan;
  const json j = plan_to_json(plan, Secrets::kept);
  CHECK(j["changes"][0]["action"] == "migrate");
  CHECK(j["changes"][0]["destination"] == "h2");
  CHECK(j["changes"][1]["moves_with"] == "domain.web@h1");
  CHECK(j["summary"]["migrate"] == 2);
  auto back = plan_from_json(j);
  REQUIRE(back);
  CHECK(*back == plan);
}

TEST_CASE("the volumes of a migrate wait for its step, which waits for what it needs on the destination") {
  Moved m;
  m.desired.push_back(declared({"pool", "p", "h2"}, json::object()));
  const Plan plan = diff("s", m.desired, m.observed, moving_kinds).plan;
  auto graph = ApplyGraph::build(plan, moving_kinds);
  REQUIRE(graph);
  REQUIRE(graph->size() == 3);  // create pool.p@h2, migrate web, migrate web-root
  std::map<std::string, std::size_t> at;
  for (std::size_t i = 0; i < graph->size(); ++i) at[graph->step(i).id.address()] = i;
  CHECK(graph->dependencies(at["volume.web-root@h1"]) == std::vector<std::size_t>{at["domain.web@h1"]});
}

TEST_CASE("a running domain declared on another host is one live migrate, its volume moving with it") {
  Moved m;
  m.observed.objects[0].spec["state"] = "running";
  const DiffResult result = diff("s", m.desired, m.observed, moving_kinds);
  REQUIRE(result.errors.empty());
  const Change* web = change_of(result.plan, domain("h1"));
  REQUIRE(web != nullptr);
  CHECK(web->action == Action::migrate);
  CHECK(web->live);
  CHECK(web->reasons == std::vector<std::string>{"live, 10 GiB of disk copied"});
  const Change* root = change_of(result.plan, volume("web-root", "h1"));
  REQUIRE(root != nullptr);
  CHECK(root->moves_with == "domain.web@h1");
  CHECK_THAT(render_plan_text(result.plan, moving_kinds),
             Catch::Contains("~> domain.web@h1       migrate to h2  live, 10 GiB of disk copied"));
  const json j = plan_to_json(result.plan, Secrets::kept);
  CHECK(j["changes"][0]["action"] == "migrate");
  CHECK(j["changes"][0]["live"] == true);
  auto back = plan_from_json(j);
  REQUIRE(back);
  CHECK(*back == result.plan);
}

TEST_CASE("a volume another domain also uses on the source does not move with the domain") {
  Moved m;
  m.observed.objects[1].spec["used_by"] = {"web", "db"};
  const Plan plan = diff("s", m.desired, m.observed, moving_kinds).plan;
  CHECK(change_of(plan, domain("h1"))->action == Action::migrate);
  CHECK(change_of(plan, domain("h1"))->reasons ==
        std::vector<std::string>{"offline, 0 bytes of disk copied"});
  CHECK(change_of(plan, volume("web-root", "h2"))->action == Action::create);
}

TEST_CASE("a copy a crash left on the destination is made again: the source stays the truth") {
  Moved m;
  m.observed.objects.push_back(ours(volume("web-root", "h2"), {{"capacity", 10 * k_moved_gib}}));
  const Plan plan = diff("s", m.desired, m.observed, moving_kinds).plan;
  REQUIRE(plan.changes().size() == 2);
  CHECK(change_of(plan, volume("web-root", "h1"))->action == Action::migrate);
  CHECK(change_of(plan, volume("web-root", "h2")) == nullptr);
  // The plan saw the copy, ours: apply may delete it and copy again.
  CHECK(change_of(plan, volume("web-root", "h1"))->destination_ours);
  CHECK_FALSE(change_of(plan, domain("h1"))->destination_ours);
  auto back = plan_from_json(plan_to_json(plan, Secrets::kept));
  REQUIRE(back);
  CHECK(*back == plan);
}

// The domain (`state` on h1, its ledger saying it migrates to h2) and its
// volume on both hosts, the domain on h2 with `there` in its spec too.
DiffResult diff_on_both(const std::string& state, json there) {
  Moved m;
  m.observed.objects[0].spec["state"] = state;
  m.observed.objects[0].migrating_to = "h2";
  there["disks"] = {"web-root"};
  m.observed.objects.push_back(ours(domain("h2"), there));
  m.observed.objects.push_back(ours(volume("web-root", "h2"), {{"capacity", 10 * k_moved_gib}}));
  DiffResult result = diff("s", m.desired, m.observed, moving_kinds);
  REQUIRE(result.errors.empty());
  return result;
}

TEST_CASE("a domain on both hosts, its source's ledger saying it migrates there, finishes the migration") {
  const DiffResult result = diff_on_both("stopped", json::object());
  const Change* web = change_of(result.plan, domain("h1"));
  REQUIRE(web != nullptr);
  CHECK(web->action == Action::migrate);
  CHECK(web->reasons == std::vector<std::string>{"finishing: already defined on h2, removed from h1"});
  CHECK(web->destination_ours);
  CHECK(change_of(result.plan, volume("web-root", "h1"))->action == Action::migrate);
  CHECK(change_of(result.plan, domain("h2"))->action == Action::no_op);
  CHECK(render_plan_text(result.plan, moving_kinds).find("DATA LOSS") == std::string::npos);
}

TEST_CASE("a live migration under way, its domain paused on the destination, is finished and nothing else") {
  const DiffResult result = diff_on_both("running", {{"state", "paused"}});
  const Change* web = change_of(result.plan, domain("h1"));
  REQUIRE(web != nullptr);
  CHECK(web->action == Action::migrate);
  // Live: should libvirt cut the migration short, apply makes it again, live.
  CHECK(web->live);
  CHECK(web->destination_ours);
  CHECK(web->reasons ==
        std::vector<std::string>{"finishing: its live migration to h2 under way ends, then removed from h1"});
  // Resuming the arriving domain would race the migration: not planned.
  CHECK(change_of(result.plan, domain("h2")) == nullptr);
}

// web-root an overlay of volume `base`, which the stack declares on both
// hosts and h1 holds; `on_h2`: h2 holds it too.
Plan overlay_moved(bool on_h2) {
  Moved m;
  const json store = {{"path", "/pools/p/base"}, {"format", "qcow2"}};
  m.desired[1].spec["backing"] = "base";
  m.observed.objects[1].spec["backing"] = "base";
  m.observed.objects[1].spec["backing_store"] = store;
  for (const std::string host : {"h1", "h2"})
    m.desired.push_back(declared(volume("base", host), json::object()));
  m.observed.objects.push_back(ours(volume("base", "h1"), json::object()));
  if (on_h2) m.observed.objects.push_back(ours(volume("base", "h2"), json::object()));
  DiffResult result = diff("s", m.desired, m.observed, moving_kinds);
  REQUIRE(result.errors.empty());
  return result.plan;
}

TEST_CASE("an overlay moving with its domain copies its own data over the base the destination holds") {
  const Plan plan = overlay_moved(true);
  const Change* root = change_of(plan, volume("web-root", "h1"));
  REQUIRE(root != nullptr);
  CHECK(root->action == Action::migrate);
  CHECK(root->reasons ==
        std::vector<std::string>{
            "with domain.web@h1, at most 10 GiB of overlay copied, base base present on h2"});
  // The base stays on h1, unchanged: no destroy, no data loss.
  CHECK(change_of(plan, volume("base", "h1"))->action == Action::no_op);
  CHECK(plan.summary().migrate == 2);
  CHECK(plan.summary().destroy == 0);
  CHECK(render_plan_text(plan, moving_kinds).find("DATA LOSS") == std::string::npos);
}

TEST_CASE("an overlay's base missing on the destination is made first, before the domain's step copies") {
  const Plan plan = overlay_moved(false);
  CHECK(change_of(plan, volume("base", "h2"))->action == Action::create);
  CHECK(change_of(plan, volume("web-root", "h1"))->reasons ==
        std::vector<std::string>{
            "with domain.web@h1, at most 10 GiB of overlay copied, base base made first on h2"});
  auto graph = ApplyGraph::build(plan, moving_kinds);
  REQUIRE(graph);
  std::map<std::string, std::size_t> at;
  for (std::size_t i = 0; i < graph->size(); ++i) at[graph->step(i).id.address()] = i;
  const auto& needs = graph->dependencies(at["domain.web@h1"]);
  CHECK(std::find(needs.begin(), needs.end(), at["volume.base@h2"]) != needs.end());
}

TEST_CASE("an overlay of an image by URL names the cached image its destination needs, fetched there") {
  Moved m;
  const std::string hex(64, 'a');
  m.observed.objects[1].spec["backing"] = "/var/lib/virtplan/cache/sha256-" + hex;
  m.observed.objects[1].spec["backing_url"] = "https://images.example/base.qcow2";
  m.observed.objects[1].spec["backing_store"] = {{"path", "/var/lib/virtplan/cache/sha256-" + hex},
                                                 {"format", "qcow2"}};
  const Plan plan = diff("s", m.desired, m.observed, moving_kinds).plan;
  CHECK(change_of(plan, volume("web-root", "h1"))->reasons ==
        std::vector<std::string>{
            "with domain.web@h1, at most 10 GiB of overlay copied, base image sha256-aaaaaaaaaaaa on h2, "
            "fetched there unless cached"});
}

TEST_CASE("a domain on both hosts with no migration recorded keeps its destroy and its data loss") {
  Moved m;
  m.observed.objects.push_back(ours(domain("h2"), {{"disks", {"web-root"}}}));
  const Plan plan = diff("s", m.desired, m.observed, moving_kinds).plan;
  CHECK(change_of(plan, domain("h1"))->action == Action::destroy);
  CHECK(plan.summary().migrate == 0);
}

}  // namespace
}  // namespace virtplan::planner

namespace virtplan::planner {
namespace {

// Moved, with pool p (and q) declared on both hosts as one shared storage.
struct MovedShared : Moved {
  MovedShared() {
    for (const char* host : {"h1", "h2"}) {
      for (const char* pool : {"p", "q"}) {
        desired.push_back(declared(ObjectId{"pool", pool, host}, {{"shared", std::string(pool) == "p"}}));
        observed.objects.push_back(
            ours(ObjectId{"pool", pool, host}, {{"shared", std::string(pool) == "p"}}));
      }
    }
  }
};

TEST_CASE("a volume in a pool shared by both hosts moves with its domain and nothing is copied") {
  MovedShared m;
  m.observed.objects[0].spec["state"] = "running";
  const DiffResult result = diff("s", m.desired, m.observed, moving_kinds);
  REQUIRE(result.errors.empty());
  const Change* web = change_of(result.plan, domain("h1"));
  REQUIRE(web != nullptr);
  CHECK(web->action == Action::migrate);
  CHECK(web->reasons == std::vector<std::string>{"live, shared pool p: nothing copied"});
  CHECK(web->shared_pools == std::vector<std::string>{"p"});
  const Change* root = change_of(result.plan, volume("web-root", "h1"));
  REQUIRE(root != nullptr);
  CHECK(root->moves_with == "domain.web@h1");
  CHECK(root->shared_pools == std::vector<std::string>{"p"});
  const std::string text = render_plan_text(result.plan, moving_kinds);
  CHECK_THAT(text,
             Catch::Contains("~> domain.web@h1       migrate to h2  live, shared pool p: nothing copied"));
  CHECK_THAT(text,
             Catch::Contains(
                 "~> volume.web-root@h1  migrate to h2  with domain.web@h1, shared pool p: nothing copied"));
  CHECK(text.find("GiB") == std::string::npos);
  const json j = plan_to_json(result.plan, Secrets::kept);
  const json& first = j["changes"][0];
  CHECK(first["shared_pools"] == json::array({"p"}));
  CHECK(first["reasons"] == json::array({"live, shared pool p: nothing copied"}));
  for (const json& c : j["changes"]) {
    if (c["kind"] == "volume") CHECK(c["shared_pools"] == json::array({"p"}));
    if (c["kind"] == "pool") CHECK_FALSE(c.contains("shared_pools"));
  }
  auto back = plan_from_json(j);
  REQUIRE(back);
  CHECK(*back == result.plan);
}

TEST_CASE("a domain with a shared and a local volume copies the local one only") {
  MovedShared m;
  m.desired[0].spec["disks"] = {"web-root", "q:web-data"};
  m.desired.push_back(declared(ObjectId{"volume", "web-data", "h2", "q"}, {{"capacity", k_moved_gib}}));
  m.observed.objects[0].spec["disks"] = {"web-root", "q:web-data"};
  m.observed.objects.push_back(
      ours(ObjectId{"volume", "web-data", "h1", "q"}, {{"capacity", k_moved_gib}, {"used_by", {"web"}}}));
  const DiffResult result = diff("s", m.desired, m.observed, moving_kinds);
  REQUIRE(result.errors.empty());
  CHECK(change_of(result.plan, domain("h1"))->reasons ==
        std::vector<std::string>{"offline, 1 GiB of disk copied, shared pool p: not copied"});
  CHECK(change_of(result.plan, domain("h1"))->shared_pools == std::vector<std::string>{"p"});
  const Change* data = change_of(result.plan, ObjectId{"volume", "web-data", "h1", "q"});
  REQUIRE(data != nullptr);
  CHECK(data->reasons == std::vector<std::string>{"with domain.web@h1, 1 GiB copied"});
  CHECK(data->shared_pools.empty());
  // p no longer shared on h2: both volumes are copied.
  for (StackObject& object : m.desired)
    if (object.id == ObjectId{"pool", "p", "h2"}) object.spec["shared"] = false;
  const DiffResult copied = diff("s", m.desired, m.observed, moving_kinds);
  REQUIRE(copied.errors.empty());
  CHECK(change_of(copied.plan, domain("h1"))->reasons ==
        std::vector<std::string>{"offline, 11 GiB of disk copied"});
  CHECK(change_of(copied.plan, domain("h1"))->shared_pools.empty());
}

TEST_CASE(
    "the destination seeing the moving volume through a shared pool, owned by no stack, is not in the way") {
  MovedShared m;
  m.observed.objects.push_back(
      ObservedObject{volume("web-root", "h2"), {{"capacity", 10 * k_moved_gib}}, Ownership::unowned, ""});
  const DiffResult result = diff("s", m.desired, m.observed, moving_kinds);
  CHECK(result.errors.empty());
  CHECK(change_of(result.plan, volume("web-root", "h1"))->action == Action::migrate);
  CHECK(change_of(result.plan, volume("web-root", "h2")) == nullptr);
  CHECK_FALSE(change_of(result.plan, volume("web-root", "h1"))->destination_ours);

  // Another stack's volume of that name there is still refused.
  m.observed.objects.back().ownership = Ownership::foreign;
  m.observed.objects.back().owner = "other";
  CHECK(diff("s", m.desired, m.observed, moving_kinds).errors.size() == 1);
  // And so is one no stack owns when the pool is not shared.
  MovedShared local;
  for (StackObject& object : local.desired)
    if (object.id.kind == "pool") object.spec["shared"] = false;
  local.observed.objects.push_back(
      ObservedObject{volume("web-root", "h2"), {{"capacity", 10 * k_moved_gib}}, Ownership::unowned, ""});
  CHECK(diff("s", local.desired, local.observed, moving_kinds).errors.size() == 1);
}

// The domain on both hosts after a crash mid-migration, its source's ledger
// saying it migrates to h2 through the pools `recorded` (nullopt: a ledger
// that does not say), web-root there as `theirs` owns it.
MovedShared crashed_mid_migration(std::optional<std::vector<std::string>> recorded, Ownership theirs) {
  MovedShared m;
  m.observed.objects[0].migrating_to = "h2";
  m.observed.objects[0].migrating_shared = std::move(recorded);
  m.observed.objects.push_back(ours(domain("h2"), {{"disks", {"web-root"}}}));
  m.observed.objects.push_back(
      ObservedObject{volume("web-root", "h2"), {{"capacity", 10 * k_moved_gib}}, theirs, ""});
  return m;
}

void say_shared(std::vector<StackObject>& desired, bool shared) {
  for (StackObject& object : desired)
    if (object.id.kind == "pool") object.spec["shared"] = shared;
}

TEST_CASE(
    "a finishing migration carries its volumes through the pools its ledger took for shared, not the stack's") {
  // Begun through shared pool p; the stack no longer says p is shared.
  MovedShared m = crashed_mid_migration(std::vector<std::string>{"p"}, Ownership::unowned);
  say_shared(m.desired, false);
  const DiffResult result = diff("s", m.desired, m.observed, moving_kinds);
  REQUIRE(result.errors.empty());
  const Change* web = change_of(result.plan, domain("h1"));
  REQUIRE(web != nullptr);
  CHECK(web->action == Action::migrate);
  CHECK(web->shared_pools == std::vector<std::string>{"p"});
  const Change* root = change_of(result.plan, volume("web-root", "h1"));
  REQUIRE(root != nullptr);
  CHECK(root->action == Action::migrate);
  // Shared: apply neither copies it nor deletes it from h1 (h2's file too).
  CHECK(root->shared_pools == std::vector<std::string>{"p"});
  CHECK(root->reasons == std::vector<std::string>{"with domain.web@h1, shared pool p: nothing copied"});

  // A ledger that does not say: the stack decides, and h2's sight of the
  // file, no stack's there, is in the way.
  MovedShared old = crashed_mid_migration(std::nullopt, Ownership::unowned);
  say_shared(old.desired, false);
  CHECK(diff("s", old.desired, old.observed, moving_kinds).errors.size() == 1);

  // Begun as a copy (h2's copy ours), the stack now saying shared: still a
  // copy, whose source goes.
  MovedShared copy = crashed_mid_migration(std::vector<std::string>{}, Ownership::ours);
  const DiffResult copied = diff("s", copy.desired, copy.observed, moving_kinds);
  REQUIRE(copied.errors.empty());
  CHECK(change_of(copied.plan, domain("h1"))->shared_pools.empty());
  CHECK(change_of(copied.plan, volume("web-root", "h1"))->shared_pools.empty());
  CHECK(change_of(copied.plan, volume("web-root", "h1"))->reasons ==
        std::vector<std::string>{"with domain.web@h1, removed from h1"});
}

TEST_CASE("the volume of a shared pool records no intent on the destination before its domain is there") {
  MovedShared m;
  const Plan plan = diff("s", m.desired, m.observed, moving_kinds).plan;
  auto graph = ApplyGraph::build(plan, moving_kinds);
  REQUIRE(graph);
  const auto intents = intents_by_host(*graph);
  REQUIRE(intents.contains("h2"));
  CHECK(intents.at("h2") == std::vector<ObjectId>{domain("h2")});
}

}  // namespace
}  // namespace virtplan::planner

#include "planner/observer.h"
#include "providers/host/host_session.h"
#include "providers/host/local_transport.h"
#include "providers/virsh/list_dump_reading.h"
#include "tests/providers/fake_transport.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using planner::Ownership;
using providers::ReadObject;
using providers::Result;
using providers::VirshArgs;

namespace {

// A reader whose two rounds are fixed commands, recording what it was given.
class ScriptedReading : public providers::KindReading {
public:
  ScriptedReading(std::vector<std::vector<VirshArgs>> rounds, std::vector<ReadObject> objects)
      : m_rounds(std::move(rounds)), m_objects(std::move(objects)) {}
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    for (const auto& r : previous) seen.push_back(r ? *r : "error: " + r.error().message());
    if (m_next == m_rounds.size()) return {};
    return m_rounds[m_next++];
  }
  Result<std::vector<ReadObject>> finish() override { return m_objects; }
  std::vector<std::string> seen;

private:
  std::vector<std::vector<VirshArgs>> m_rounds;
  std::vector<ReadObject> m_objects;
  std::size_t m_next = 0;
};

class ScriptedReader : public providers::KindReader {
public:
  ScriptedReader(std::string kind, std::vector<std::vector<VirshArgs>> rounds,
                 std::vector<ReadObject> objects, std::vector<std::string> ledger_keys = {},
                 bool marks_owner = false)
      : m_kind(std::move(kind)),
        m_rounds(std::move(rounds)),
        m_objects(std::move(objects)),
        m_ledger_keys(std::move(ledger_keys)),
        m_marks_owner(marks_owner) {}
  std::string_view kind() const override { return m_kind; }
  std::unique_ptr<providers::KindReading> start(const std::vector<providers::StackObject>&) const override {
    return std::make_unique<ScriptedReading>(m_rounds, m_objects);
  }
  std::vector<std::string> ledger_keys() const override { return m_ledger_keys; }
  bool marks_owner() const override { return m_marks_owner; }

private:
  std::string m_kind;
  std::vector<std::vector<VirshArgs>> m_rounds;
  std::vector<ReadObject> m_objects;
  std::vector<std::string> m_ledger_keys;
  bool m_marks_owner;
};

// A transport whose host holds the ledger `text` (and answers every virsh
// batch with nothing: the scripted readers need no answers).
std::unique_ptr<providers::FakeTransport> host_with_ledger(std::string text) {
  auto fake = std::make_unique<providers::FakeTransport>("lab1");
  fake->respond_with([text](const providers::Command& c) -> Result<providers::CommandOutput> {
    if (c.argv.front() == "sh") return providers::CommandOutput{0, text, ""};
    return providers::CommandOutput{0, "", ""};
  });
  return fake;
}

ReadObject volume_in(std::string pool, std::string name, nlohmann::json spec = {{"format", "raw"}}) {
  spec["pool"] = pool;
  return ReadObject{std::move(name), std::move(spec), std::nullopt, std::move(pool)};
}

providers::StackObject declared_volume(std::string pool, std::string name) {
  providers::StackObject object;
  object.id = providers::ObjectId{"volume", std::move(name), "lab1", pool};
  object.spec = {{"pool", pool}, {"format", "raw"}};
  return object;
}

// Each observed object's qualified address and ownership.
std::map<std::string, Ownership> owners(const std::vector<planner::ObservedObject>& observed) {
  std::map<std::string, Ownership> out;
  for (const auto& o : observed) out[o.id.qualified_address()] = o.ownership;
  return out;
}

providers::HostConfig test_host() {
  providers::HostConfig host;
  host.name = "lab1";
  host.local = true;
  host.libvirt_uri = "test:///default";
  return host;
}

// observe_host over `transport`, in a session opened as every command opens
// one (without the lock).
Result<std::vector<planner::ObservedObject>> observe_through_session(
    const std::string& stack, providers::Transport& transport,
    const std::vector<const providers::KindReader*>& readers,
    const std::vector<providers::StackObject>& declared) {
  auto session = providers::HostSession::open(test_host(), transport, stack,
                                              {.take = providers::HostSession::Lock::Take::no});
  REQUIRE(session.has_value());
  auto observed = planner::observe_host(**session, stack, readers, declared);
  if (!observed) return std::unexpected(observed.error());
  return observed->objects;
}

// planner::observe over the transports `connect` makes, each host in a
// session of its own.
planner::ObservedState observe_through_sessions(
    const std::string& stack, const std::map<std::string, providers::HostConfig>& hosts,
    const std::function<Result<std::unique_ptr<providers::Transport>>(const providers::HostConfig&)>& connect,
    const std::vector<const providers::KindReader*>& readers) {
  // Per host, the session goes before its transport.
  std::map<std::string,
           std::pair<std::unique_ptr<providers::Transport>, std::unique_ptr<providers::HostSession>>>
      opened;
  for (const auto& [name, host] : hosts) opened[name];
  const planner::HostOpener open = [&](const providers::HostConfig& host) -> Result<planner::OpenHost> {
    auto& [transport, session] = opened.at(host.name);
    auto made = connect(host);
    if (!made) return std::unexpected(made.error());
    transport = std::move(*made);
    session = std::make_unique<providers::HostSession>(host, *transport);
    return planner::OpenHost{session.get(), std::nullopt};
  };
  return planner::observe(stack, hosts, open, readers, {});
}

}  // namespace

TEST_CASE("observe runs every kind's round together: one virsh process per round") {
  providers::LocalTransport local;
  int virsh_runs = 0;
  providers::FakeTransport counting("lab1");
  counting.respond_with([&](const providers::Command& c) {
    if (c.argv.front() == "virsh") ++virsh_runs;
    return local.run(c);
  });
  ScriptedReader a("domain", {{{"list", "--all", "--name"}}, {{"domstate", "--domain", "test"}}}, {});
  ScriptedReader b("network", {{{"net-list", "--all", "--name"}}, {{"net-info", "--network", "default"}}},
                   {});
  auto observed = observe_through_session("observer-test-stack", counting, {&a, &b}, {});
  REQUIRE(observed.has_value());
  // Two rounds, each one batch, whatever the number of kinds.
  CHECK(virsh_runs == 2);
}

TEST_CASE("ownership comes from the marker first, then from the ledger") {
  providers::FakeTransport fake("lab1");
  fake.respond_with([](const providers::Command& c) -> Result<providers::CommandOutput> {
    if (c.argv.front() == "sh") {
      // The ledger: the stack owns pool.mine and domain.stolen.
      return providers::CommandOutput{
          0,
          R"({"format_version": "1", "stack": "demo", "objects": {)"
          R"("pool.mine": {"state": "created"}, "domain.stolen": {"state": "created"}}})",
          ""};
    }
    return providers::CommandOutput{0, "", ""};
  });
  ScriptedReader pools("pool", {}, {{"mine", {{"type", "dir"}}, std::nullopt}, {"manual", {}, std::nullopt}});
  ScriptedReader domains("domain", {},
                         {{"web", {}, "demo"}, {"stolen", {}, "other"}, {"hand", {}, std::nullopt}});
  auto observed = observe_through_session("demo", fake, {&pools, &domains}, {});
  REQUIRE(observed.has_value());
  std::map<std::string, Ownership> owner;
  for (const auto& o : *observed) owner[o.id.address()] = o.ownership;
  CHECK(owner == std::map<std::string, Ownership>{{"pool.mine@lab1", Ownership::ours},
                                                  {"pool.manual@lab1", Ownership::unowned},
                                                  {"domain.web@lab1", Ownership::ours},
                                                  {"domain.stolen@lab1", Ownership::foreign},
                                                  {"domain.hand@lab1", Ownership::unowned}});
}

TEST_CASE("an owned object's ledger data is merged into its observed spec") {
  providers::FakeTransport fake("lab1");
  fake.respond_with([](const providers::Command& c) -> Result<providers::CommandOutput> {
    if (c.argv.front() == "sh") {
      return providers::CommandOutput{
          0,
          R"({"format_version": "1", "stack": "demo", "objects": {)"
          R"("volume.disk": {"state": "created", "data": {"source_sha256": "ab"}},)"
          R"("volume.gone": {"state": "created", "data": {"source_sha256": "cd"}}}})",
          ""};
    }
    return providers::CommandOutput{0, "", ""};
  });
  ScriptedReader volumes(
      "volume", {},
      {{"disk", {{"format", "raw"}}, std::nullopt}, {"hand", {{"format", "raw"}}, std::nullopt}},
      {"source_sha256"});
  auto observed = observe_through_session("demo", fake, {&volumes}, {});
  REQUIRE(observed.has_value());
  std::map<std::string, nlohmann::json> specs;
  for (const auto& o : *observed) specs[o.id.address()] = o.spec;
  CHECK(specs == std::map<std::string, nlohmann::json>{
                     {"volume.disk@lab1", {{"format", "raw"}, {"source_sha256", "ab"}}},
                     {"volume.hand@lab1", {{"format", "raw"}}}});
}

TEST_CASE("a host that cannot be reached is listed with its reason, the others are read") {
  ScriptedReader none("domain", {}, {{"web", {}, "demo"}});
  std::map<std::string, providers::HostConfig> hosts;
  hosts["lab1"] = test_host();
  hosts["lab2"] = test_host();
  hosts["lab2"].name = "lab2";
  auto state = observe_through_sessions(
      "demo", hosts,
      [](const providers::HostConfig& h) -> Result<std::unique_ptr<providers::Transport>> {
        if (h.name == "lab2") {
          return std::unexpected(providers::Error(providers::ErrorCode::unreachable,
                                                  "lab2 (10.231.2.2:22): connection refused"));
        }
        auto fake = std::make_unique<providers::FakeTransport>("lab1");
        fake->respond_with([](const providers::Command&) {
          return Result<providers::CommandOutput>(providers::CommandOutput{0, "", ""});
        });
        return fake;
      },
      {&none});
  REQUIRE(state.objects.size() == 1);
  CHECK(state.objects[0].id.address() == "domain.web@lab1");
  REQUIRE(state.unread.size() == 1);
  CHECK(state.unread.at("lab2").code() == providers::ErrorCode::unreachable);
  CHECK(state.unread.at("lab2").message() == "lab2 (10.231.2.2:22): connection refused");
}

TEST_CASE("name listings are read whatever the padding virsh adds") {
  CHECK(providers::parse_name_list("web\npz                  \n\n  db\n") ==
        std::set<std::string>{"web", "pz", "db"});
}

TEST_CASE(
    "a volume is owned by its pool and name: a same-named volume in a foreign pool is not the stack's") {
  auto host = host_with_ledger(
      R"({"format_version": "2", "stack": "prod", "objects": {)"
      R"("pool.prod-img": {"state": "created"}, "volume.prod-img/root": {"state": "created"}}})");
  ScriptedReader volumes("volume", {}, {volume_in("dev-img", "root"), volume_in("prod-img", "root")});
  auto observed = observe_through_session("prod", *host, {&volumes}, {});
  REQUIRE(observed.has_value());
  CHECK(owners(*observed) ==
        std::map<std::string, Ownership>{{"volume.dev-img/root@lab1", Ownership::unowned},
                                         {"volume.prod-img/root@lab1", Ownership::ours}});
}

TEST_CASE(
    "a ledger of format 1 (volumes by name alone) owns the volume in the pool the stack declares, or in a pool it owns") {
  const std::string legacy = R"({"format_version": "1", "stack": "prod", "objects": {)"
                             R"("pool.prod-img": {"state": "created"}, "volume.root": {"state": "created"},)"
                             R"("volume.logs": {"state": "created"}, "volume.both": {"state": "created"}}})";
  auto host = host_with_ledger(legacy);
  ScriptedReader volumes(
      "volume", {},
      {volume_in("dev-img", "root"), volume_in("prod-img", "root"), volume_in("dev-img", "logs"),
       volume_in("prod-img", "logs"), volume_in("dev-img", "both"), volume_in("other", "both")});
  // `root` is declared in prod-img; `logs` no longer is (the pool the stack
  // owns tells); `both` is in two pools the stack does not own: nothing is
  // taken on a guess.
  auto observed = observe_through_session("prod", *host, {&volumes}, {declared_volume("prod-img", "root")});
  REQUIRE(observed.has_value());
  CHECK(owners(*observed) ==
        std::map<std::string, Ownership>{{"volume.dev-img/root@lab1", Ownership::unowned},
                                         {"volume.prod-img/root@lab1", Ownership::ours},
                                         {"volume.dev-img/logs@lab1", Ownership::unowned},
                                         {"volume.prod-img/logs@lab1", Ownership::ours},
                                         {"volume.dev-img/both@lab1", Ownership::unowned},
                                         {"volume.other/both@lab1", Ownership::unowned}});
}

TEST_CASE(
    "only the keys a kind keeps in the ledger are merged, and a ledger entry with another key is refused") {
  SECTION("a kept key joins the spec") {
    auto host = host_with_ledger(R"({"format_version": "2", "stack": "prod", "objects": {)"
                                 R"("volume.img/root": {"state": "created", "data": {"protect": true}}}})");
    ScriptedReader volumes("volume", {}, {volume_in("img", "root")}, {"protect", "source_sha256"});
    auto observed = observe_through_session("prod", *host, {&volumes}, {});
    REQUIRE(observed.has_value());
    REQUIRE(observed->size() == 1);
    CHECK(observed->front().spec == nlohmann::json{{"format", "raw"}, {"pool", "img"}, {"protect", true}});
  }
  SECTION("an observed field in the ledger (a hand edit) is refused, naming the entry and the key") {
    auto host = host_with_ledger(R"({"format_version": "2", "stack": "prod", "objects": {)"
                                 R"("volume.img/root": {"state": "created", "data": {"format": "qcow2"}}}})");
    ScriptedReader volumes("volume", {}, {volume_in("img", "root")}, {"protect", "source_sha256"});
    auto observed = observe_through_session("prod", *host, {&volumes}, {});
    REQUIRE_FALSE(observed.has_value());
    CHECK(
        observed.error().message() ==
        "ledger of stack 'prod': entry volume.img/root holds 'format', which a volume does not keep in the "
        "ledger (it keeps: protect, source_sha256); a ledger edited by hand or written by another tool is not "
        "trusted: remove that key");
  }
  SECTION("data that is not an object of keys is refused") {
    auto host = host_with_ledger(R"({"format_version": "2", "stack": "prod", "objects": {)"
                                 R"("domain.web": {"state": "created", "data": "qcow2"}}})");
    ScriptedReader domains("domain", {}, {{"web", {}, "prod"}}, {}, true);
    auto observed = observe_through_session("prod", *host, {&domains}, {});
    REQUIRE_FALSE(observed.has_value());
    CHECK(
        observed.error().message() ==
        "ledger of stack 'prod': entry domain.web holds data \"qcow2\", not an object of keys; a ledger edited by "
        "hand or written by another tool is not trusted: make it {}");
  }
}

TEST_CASE("an intent owns an object of a marking kind only when the object carries the stack's marker") {
  // A create that failed left intents; someone then made `hand` by hand.
  auto host = host_with_ledger(R"({"format_version": "2", "stack": "prod", "objects": {)"
                               R"("domain.hand": {"state": "intent"}, "domain.made": {"state": "intent"},)"
                               R"("domain.adopted": {"state": "created"}}})");
  ScriptedReader domains("domain", {},
                         {{"hand", {}, std::nullopt}, {"made", {}, "prod"}, {"adopted", {}, std::nullopt}},
                         {}, true);
  auto observed = observe_through_session("prod", *host, {&domains}, {});
  REQUIRE(observed.has_value());
  CHECK(owners(*observed) == std::map<std::string, Ownership>{{"domain.hand@lab1", Ownership::unowned},
                                                              {"domain.made@lab1", Ownership::ours},
                                                              {"domain.adopted@lab1", Ownership::ours}});
}

namespace {

// The entries LedgerOwnership::vanished_entries lists on lab1, reading
// `readers`, with the ledger `objects` (its JSON "objects" members).
std::vector<providers::ObjectId> vanished(const std::string& objects,
                                          std::vector<const providers::KindReader*> readers) {
  auto host = host_with_ledger(R"({"format_version": "2", "stack": "prod", "objects": {)" + objects + "}}");
  std::map<std::string, providers::HostConfig> hosts{{"lab1", test_host()}};
  const auto state = observe_through_sessions(
      "prod", hosts,
      [&](const providers::HostConfig&) -> Result<std::unique_ptr<providers::Transport>> {
        return std::move(host);
      },
      readers);
  REQUIRE(state.unread.empty());
  return state.vanished_entries;
}

ReadObject pool_named(std::string name, bool active) {
  return ReadObject{std::move(name), {{"active", active}}, std::nullopt};
}

}  // namespace

TEST_CASE(
    "ledger entries whose object the host does not hold are listed for forgetting, intents and created ones alike") {
  ScriptedReader pools("pool", {}, {pool_named("img", true), pool_named("dev", true)});
  ScriptedReader volumes("volume", {}, {volume_in("img", "made"), volume_in("dev", "lost")});
  ScriptedReader domains("domain", {}, {{"web", {}, "prod"}});
  // `lost` was created and deleted by a destroy killed before its ledger
  // save (a volume of its name in another pool is another object); `gone` is
  // a legacy intent (no pool); a network was not read here, so nothing is
  // known of it.
  CHECK(vanished(R"("volume.img/made": {"state": "intent"}, "volume.img/never": {"state": "intent"},)"
                 R"("volume.gone": {"state": "intent"}, "volume.img/lost": {"state": "created"},)"
                 R"("domain.web": {"state": "created"}, "domain.old": {"state": "created"},)"
                 R"("network.other": {"state": "intent"})",
                 {&pools, &volumes, &domains}) ==
        std::vector<providers::ObjectId>{{"domain", "old", "lab1", ""},
                                         {"volume", "gone", "lab1", ""},
                                         {"volume", "lost", "lab1", "img"},
                                         {"volume", "never", "lab1", "img"}});
}

TEST_CASE("an object of the entry's name keeps its entry, whoever owns it now") {
  ScriptedReader pools("pool", {}, {pool_named("images", true)});
  CHECK(vanished(R"("pool.images": {"state": "created"})", {&pools}).empty());
}

TEST_CASE(
    "with a pool inactive, volumes not seen may be in it and keep their entries, and so do legacy ones") {
  ScriptedReader pools("pool", {}, {pool_named("img", false), pool_named("other", true)});
  ScriptedReader volumes("volume", {}, {});
  ScriptedReader domains("domain", {}, {});
  CHECK(vanished(R"("volume.img/root": {"state": "created"}, "volume.legacy": {"state": "created"},)"
                 R"("volume.other/gone": {"state": "created"}, "volume.dropped/v": {"state": "created"},)"
                 R"("domain.gone": {"state": "created"})",
                 {&pools, &volumes, &domains}) ==
        std::vector<providers::ObjectId>{{"domain", "gone", "lab1", ""},
                                         {"volume", "v", "lab1", "dropped"},  // its pool is gone too
                                         {"volume", "gone", "lab1", "other"}});
}

TEST_CASE("a kind not read is never taken for gone, nor a volume when pools are not read") {
  ScriptedReader volumes("volume", {}, {});
  CHECK(
      vanished(R"("secret.token": {"state": "created"}, "volume.img/root": {"state": "created"})", {&volumes})
          .empty());
}

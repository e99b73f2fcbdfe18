#include "planner/observer.h"
#include "providers/list_dump_reading.h"
#include "providers/local_transport.h"
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
  ScriptedReader(std::string kind, std::vector<std::vector<VirshArgs>> rounds, std::vector<ReadObject> objects)
      : m_kind(std::move(kind)), m_rounds(std::move(rounds)), m_objects(std::move(objects)) {}
  std::string_view kind() const override { return m_kind; }
  std::unique_ptr<providers::KindReading> start(const std::vector<providers::StackObject>&) const override {
    return std::make_unique<ScriptedReading>(m_rounds, m_objects);
  }

private:
  std::string m_kind;
  std::vector<std::vector<VirshArgs>> m_rounds;
  std::vector<ReadObject> m_objects;
};

providers::HostConfig test_host() {
  providers::HostConfig host;
  host.name = "lab1";
  host.local = true;
  host.libvirt_uri = "test:///default";
  return host;
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
  ScriptedReader b("network", {{{"net-list", "--all", "--name"}}, {{"net-info", "--network", "default"}}}, {});
  auto observed = planner::observe_host("observer-test-stack", test_host(), counting, {&a, &b}, {});
  REQUIRE(observed.has_value());
  // Two rounds, each one batch, whatever the number of kinds.
  CHECK(virsh_runs == 2);
}

TEST_CASE("ownership comes from the marker first, then from the ledger") {
  providers::FakeTransport fake("lab1");
  fake.respond_with([](const providers::Command& c) -> Result<providers::CommandOutput> {
    if (c.argv.front() == "sh") {
      // The ledger: the stack owns pool.mine and domain.stolen.
      return providers::CommandOutput{0,
                                      R"({"format_version": "1", "stack": "demo", "objects": {)"
                                      R"("pool.mine": {"state": "created"}, "domain.stolen": {"state": "created"}}})",
                                      ""};
    }
    return providers::CommandOutput{0, "", ""};
  });
  ScriptedReader pools("pool", {}, {{"mine", {{"type", "dir"}}, std::nullopt}, {"manual", {}, std::nullopt}});
  ScriptedReader domains("domain", {},
                         {{"web", {}, "demo"}, {"stolen", {}, "other"}, {"hand", {}, std::nullopt}});
  auto observed = planner::observe_host("demo", test_host(), fake, {&pools, &domains}, {});
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
      return providers::CommandOutput{0,
                                      R"({"format_version": "1", "stack": "demo", "objects": {)"
                                      R"("volume.disk": {"state": "created", "data": {"source_sha256": "ab"}},)"
                                      R"("volume.gone": {"state": "created", "data": {"source_sha256": "cd"}}}})",
                                      ""};
    }
    return providers::CommandOutput{0, "", ""};
  });
  ScriptedReader volumes("volume", {},
                         {{"disk", {{"format", "raw"}}, std::nullopt}, {"hand", {{"format", "raw"}}, std::nullopt}});
  auto observed = planner::observe_host("demo", test_host(), fake, {&volumes}, {});
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
  auto state = planner::observe(
      "demo", hosts, {&none},
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
      {});
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

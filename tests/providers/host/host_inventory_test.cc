#include "providers/host/host_inventory.h"

#include "providers/host/ledger.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace virtplan::providers {
namespace {

// One round of fixed commands; what it was answered goes to `seen`.
class OneRoundReading : public KindReading {
public:
  OneRoundReading(std::vector<VirshArgs> commands, std::vector<std::string>* seen)
      : m_commands(std::move(commands)), m_seen(seen) {}
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>& previous) override {
    for (const auto& r : previous) m_seen->push_back(r ? *r : "error");
    return std::exchange(m_commands, {});
  }
  Result<std::vector<ReadObject>> finish() override { return std::vector<ReadObject>{}; }

private:
  std::vector<VirshArgs> m_commands;
  std::vector<std::string>* m_seen;
};

class OneRoundReader : public KindReader {
public:
  OneRoundReader(std::string kind, std::vector<VirshArgs> commands)
      : m_kind(std::move(kind)), m_commands(std::move(commands)) {}
  std::string_view kind() const override { return m_kind; }
  std::unique_ptr<KindReading> start(const std::vector<StackObject>&) const override {
    return std::make_unique<OneRoundReading>(m_commands, &seen);
  }
  mutable std::vector<std::string> seen;

private:
  std::string m_kind;
  std::vector<VirshArgs> m_commands;
};

TEST_CASE("a command several readings ask in one round runs once and each gets its answer") {
  test::FakeVirshHost host;
  host.on("list --all --name", "web\n");
  host.on("dumpxml --inactive --domain web", "<domain/>");
  host.on("pool-list --name", "images\n");
  OneRoundReader domains("domain",
                         {{"list", "--all", "--name"}, {"dumpxml", "--inactive", "--domain", "web"}});
  OneRoundReader volumes(
      "volume",
      {{"pool-list", "--name"}, {"dumpxml", "--inactive", "--domain", "web"}, {"list", "--all", "--name"}});
  auto inventory = read_host_inventory(host.session(), "demo", {&domains, &volumes}, {});
  REQUIRE(inventory.has_value());
  std::vector<std::string> virsh_ran;
  std::copy_if(host.ran().begin(), host.ran().end(), std::back_inserter(virsh_ran),
               [](const std::string& line) { return !line.starts_with("! "); });
  std::sort(virsh_ran.begin(), virsh_ran.end());
  CHECK(virsh_ran ==
        std::vector<std::string>{"dumpxml --inactive --domain web", "list --all --name", "pool-list --name"});
  CHECK(domains.seen == std::vector<std::string>{"web\n", "<domain/>"});
  CHECK(volumes.seen == std::vector<std::string>{"images\n", "<domain/>", "web\n"});
}

// Asks nothing; says what the stack owns, as owned() told it, by failing
// finish() with it (or with "not told" when owned() did not come first).
class OwnedReading : public KindReading {
public:
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>&) override { return {}; }
  void owned(const Ledger& ledger) override {
    m_owned.clear();
    for (const LedgerEntry& entry : ledger.entries()) m_owned += entry.kind + "." + entry.name + " ";
  }
  Result<std::vector<ReadObject>> finish() override { return fail(ErrorCode::other, m_owned); }

private:
  std::string m_owned = "not told";
};

class OwnedReader : public KindReader {
public:
  std::string_view kind() const override { return "pool"; }
  std::unique_ptr<KindReading> start(const std::vector<StackObject>&) const override {
    return std::make_unique<OwnedReading>();
  }
};

TEST_CASE("each reading learns what the host's ledger says the stack owns before it finishes") {
  test::FakeVirshHost host;
  Ledger ledger("demo");
  ledger.mark_created("pool", "images");
  ledger.mark_created("volume", "disk");
  host.on_other("sh", CommandOutput{0, ledger.serialize(), ""});
  const OwnedReader pools;
  auto inventory = read_host_inventory(host.session(), "demo", {&pools}, {});
  REQUIRE_FALSE(inventory);
  CHECK(inventory.error().message() == "lab1: reading pools: pool.images volume.disk ");
}

// Records when it learnt the ledger: before or after its one round.
class OrderReading : public KindReading {
public:
  explicit OrderReading(std::vector<std::string>* events) : m_events(events) {}
  std::vector<VirshArgs> next_round(const std::vector<Result<std::string>>&) override {
    if (std::exchange(m_asked, true)) return {};
    m_events->push_back("round");
    return {{"list", "--all", "--name"}};
  }
  void owned(const Ledger& ledger) override {
    m_events->push_back(fmt::format("owned {}", ledger.entries().size()));
  }
  Result<std::vector<ReadObject>> finish() override { return std::vector<ReadObject>{}; }

private:
  std::vector<std::string>* m_events;
  bool m_asked = false;
};

class OrderReader : public KindReader {
public:
  std::string_view kind() const override { return "domain"; }
  std::unique_ptr<KindReading> start(const std::vector<StackObject>&) const override {
    return std::make_unique<OrderReading>(&events);
  }
  mutable std::vector<std::string> events;
};

TEST_CASE(
    "given the ledger apply read under its lock, the inventory does not read it again and the readings "
    "learn it before their first round") {
  test::FakeVirshHost host;
  host.on("list --all --name", "web\n");
  Ledger ledger("demo");
  ledger.record_intent("domain", "web");
  const OrderReader domains;
  auto inventory = read_host_inventory(host.session(), "demo", {&domains}, {}, ledger);
  REQUIRE(inventory.has_value());
  CHECK(inventory->ledger == ledger);
  CHECK(domains.events == std::vector<std::string>{"owned 1", "round"});
  CHECK(host.ran() == std::vector<std::string>{"list --all --name"});
}

TEST_CASE(
    "without a ledger given, the inventory reads it alongside the rounds and the readings learn it after") {
  test::FakeVirshHost host;
  host.on("list --all --name", "web\n");
  Ledger ledger("demo");
  ledger.record_intent("domain", "web");
  host.on_other("sh", CommandOutput{0, ledger.serialize(), ""});
  const OrderReader domains;
  auto inventory = read_host_inventory(host.session(), "demo", {&domains}, {});
  REQUIRE(inventory.has_value());
  CHECK(inventory->ledger == ledger);
  CHECK(domains.events == std::vector<std::string>{"round", "owned 1"});
  CHECK(std::count_if(host.ran().begin(), host.ran().end(),
                      [](const std::string& line) { return line.starts_with("! sh"); }) == 1);
}

}  // namespace
}  // namespace virtplan::providers

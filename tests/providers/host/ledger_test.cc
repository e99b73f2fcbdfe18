#include "providers/host/ledger.h"
#include "providers/host/local_transport.h"
#include "tests/providers/fake_transport.h"

#include <catch2/catch.hpp>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace virtplan::providers;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test, removed afterwards.
struct LedgerDir {
  fs::path path;
  LedgerDir() {
    char tmpl[] = "/tmp/vp-ledger-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~LedgerDir() { fs::remove_all(path); }
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Ledger sample() {
  Ledger ledger("demo");
  ledger.record_intent("volume", "web-root");
  ledger.mark_created("pool", "images");
  ledger.mark_created("volume", "base", {{"sha256", "abc"}});
  return ledger;
}

}  // namespace

TEST_CASE("ledger entries are kept sorted and intent never downgrades a created object") {
  Ledger ledger = sample();
  ledger.record_intent("pool", "images");
  auto entries = ledger.entries();
  REQUIRE(entries.size() == 3);
  CHECK(entries[0] == LedgerEntry{"pool", "images", LedgerState::created, nlohmann::json::object()});
  CHECK(entries[1].name == "base");
  CHECK(entries[1].data == nlohmann::json{{"sha256", "abc"}});
  CHECK(entries[2] == LedgerEntry{"volume", "web-root", LedgerState::intent, nlohmann::json::object()});
  CHECK(ledger.owns("volume", "web-root"));
  ledger.forget("volume", "web-root");
  CHECK_FALSE(ledger.owns("volume", "web-root"));
}

TEST_CASE("ledger text round-trips and is stable") {
  const std::string text = sample().serialize();
  auto back = Ledger::parse("demo", text);
  REQUIRE(back.has_value());
  CHECK(*back == sample());
  CHECK(back->serialize() == text);
}

TEST_CASE("ledger parse refuses another stack's file, other versions and garbage") {
  auto other = Ledger::parse("prod", sample().serialize());
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().message() == "ledger of stack 'prod': the file belongs to stack 'demo'");

  auto version = Ledger::parse("demo", R"({"format_version": "7", "stack": "demo", "objects": {}})");
  REQUIRE_FALSE(version.has_value());
  CHECK(version.error().message() == "ledger of stack 'demo': format version 7 is not supported");

  auto half = Ledger::parse("demo", sample().serialize().substr(0, 40));
  REQUIRE_FALSE(half.has_value());
  CHECK(half.error().message().starts_with("ledger of stack 'demo': not a valid ledger: "));

  auto key = Ledger::parse(
      "demo", R"({"format_version": "1", "stack": "demo", "objects": {"nodot": {"state": "created"}}})");
  REQUIRE_FALSE(key.has_value());
  CHECK(key.error().message() == "ledger of stack 'demo': entry 'nodot' is not KIND.NAME");
}

TEST_CASE("a volume's ledger key names its pool: two pools' volumes of one name are two entries") {
  Ledger ledger("prod");
  ledger.mark_created(ObjectId{"volume", "root", "", "prod-img"}, {{"protect", true}});
  ledger.record_intent(ObjectId{"volume", "root", "", "other-img"});
  CHECK(ledger.owns(ObjectId{"volume", "root", "lab1", "prod-img"}));
  CHECK_FALSE(ledger.owns(ObjectId{"volume", "root", "lab1", "dev-img"}));
  CHECK_FALSE(ledger.owns("volume", "root"));  // no entry by name alone
  const std::string text = ledger.serialize();
  CHECK(text.find(R"("format_version": "2")") != std::string::npos);
  CHECK(text.find(R"("volume.prod-img/root")") != std::string::npos);
  CHECK(text.find(R"("volume.other-img/root")") != std::string::npos);
  auto back = Ledger::parse("prod", text);
  REQUIRE(back.has_value());
  CHECK(*back == ledger);
  ledger.forget(ObjectId{"volume", "root", "", "other-img"});
  CHECK(ledger.entries().size() == 1);
}

TEST_CASE("a ledger of format 1 reads its volumes as legacy entries, rewritten by pool once recorded") {
  auto old = Ledger::parse(
      "prod",
      R"({"format_version": "1", "stack": "prod", "objects": {)"
      R"("pool.prod-img": {"state": "created"}, "volume.root": {"state": "created", "data": {"protect": true}}}})");
  REQUIRE(old.has_value());
  REQUIRE(old->find("volume", "root").has_value());
  CHECK(old->find("volume", "root")->pool.empty());
  CHECK(old->find("volume", "root")->data == nlohmann::json{{"protect", true}});
  old->mark_created(ObjectId{"volume", "root", "lab1", "prod-img"}, {{"protect", true}});
  CHECK_FALSE(old->owns("volume", "root"));  // the legacy entry is gone, the exact one replaces it
  CHECK(old->owns(ObjectId{"volume", "root", "lab1", "prod-img"}));
  const std::string text = old->serialize();
  CHECK(text.find(R"("format_version": "2")") != std::string::npos);
  CHECK(text.find(R"("volume.root")") == std::string::npos);

  // An intent for a legacy volume keeps what the legacy entry said.
  auto again = Ledger::parse("prod", R"({"format_version": "1", "stack": "prod", "objects": {)"
                                     R"("volume.root": {"state": "created", "data": {"protect": true}}}})");
  REQUIRE(again.has_value());
  again->record_intent(ObjectId{"volume", "root", "lab1", "prod-img"});
  CHECK(again->entries() == std::vector<LedgerEntry>{{"volume", "root", LedgerState::created,
                                                      nlohmann::json{{"protect", true}}, "prod-img"}});

  auto bad = Ledger::parse(
      "prod",
      R"({"format_version": "2", "stack": "prod", "objects": {"volume./root": {"state": "created"}}})");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message() ==
        "ledger of stack 'prod': entry 'volume./root' is not KIND.NAME or KIND.POOL/NAME");
}

TEST_CASE("ledger saves atomically on a real shell and loads back") {
  LedgerDir dir;
  LocalTransport local;
  const std::string ledger_dir = (dir.path / "ledger").string();

  auto empty = Ledger::load(local, "demo", Become::none, ledger_dir);
  REQUIRE(empty.has_value());
  CHECK(empty->entries().empty());

  REQUIRE(sample().save(local, Become::none, ledger_dir).has_value());
  const fs::path file = dir.path / "ledger" / "demo.json";
  CHECK(read_file(file) == sample().serialize());
  CHECK((fs::status(file).permissions() & fs::perms::others_read) == fs::perms::none);

  auto loaded = Ledger::load(local, "demo", Become::none, ledger_dir);
  REQUIRE(loaded.has_value());
  CHECK(*loaded == sample());
  // No temporary file is left beside it.
  CHECK(std::distance(fs::directory_iterator(dir.path / "ledger"), fs::directory_iterator{}) == 1);
}

TEST_CASE("a ledger write cut short leaves the previous ledger whole") {
  LedgerDir dir;
  LocalTransport local;
  const std::string ledger_dir = (dir.path / "ledger").string();
  REQUIRE(sample().save(local, Become::none, ledger_dir).has_value());

  // A writer killed mid-stream: the host receives only part of the document.
  FakeTransport cut("lab1");
  cut.respond_with([&](const Command& c) {
    Command shorter = c;
    shorter.stdin_data = c.stdin_data->substr(0, c.stdin_data->size() / 2);
    return local.run(shorter);
  });
  Ledger bigger = sample();
  bigger.mark_created("domain", "web");
  auto saved = bigger.save(cut, Become::none, ledger_dir);
  REQUIRE_FALSE(saved.has_value());
  CHECK(saved.error().message().find("ledger write truncated") != std::string::npos);
  CHECK(saved.error().message().starts_with("lab1: writing "));

  auto loaded = Ledger::load(local, "demo", Become::none, ledger_dir);
  REQUIRE(loaded.has_value());
  CHECK(*loaded == sample());
  CHECK(std::distance(fs::directory_iterator(dir.path / "ledger"), fs::directory_iterator{}) == 1);
}

TEST_CASE(
    "a ledger write that fails on the host (its disk full) leaves the previous ledger and no temporary file") {
  LedgerDir dir;
  LocalTransport local;
  const std::string ledger_dir = (dir.path / "ledger").string();
  REQUIRE(sample().save(local, Become::none, ledger_dir).has_value());

  // The host's `dd` fails writing the temporary file, as on a full disk
  // (the fault suite does it for real with a full tmpfs).
  fs::create_directories(dir.path / "bin");
  std::ofstream(dir.path / "bin" / "dd")
      << "#!/bin/sh\necho 'dd: error writing: No space left on device' >&2\nexit 1\n";
  fs::permissions(dir.path / "bin" / "dd", fs::perms::owner_all);
  const std::string path = std::getenv("PATH");
  setenv("PATH", ((dir.path / "bin").string() + ":" + path).c_str(), 1);
  Ledger bigger = sample();
  bigger.mark_created("domain", "web");
  auto saved = bigger.save(local, Become::none, ledger_dir);
  setenv("PATH", path.c_str(), 1);

  REQUIRE_FALSE(saved.has_value());
  CHECK(saved.error().message().find("No space left on device") != std::string::npos);
  auto loaded = Ledger::load(local, "demo", Become::none, ledger_dir);
  REQUIRE(loaded.has_value());
  CHECK(*loaded == sample());
  CHECK(std::distance(fs::directory_iterator(dir.path / "ledger"), fs::directory_iterator{}) == 1);
}

TEST_CASE("ledger paths reach the host shell only as arguments, and sudo when asked") {
  FakeTransport fake("lab1");
  fake.reply("");
  REQUIRE(Ledger::load(fake, "demo", Become::sudo).has_value());
  const auto argv = fake.argvs().at(0);
  REQUIRE(argv.size() == 7);
  CHECK(argv[0] == "sudo");
  CHECK(argv[1] == "-n");
  CHECK(argv[2] == "sh");
  CHECK(argv[3] == "-c");
  CHECK(argv[4].find("demo") == std::string::npos);
  CHECK(argv[6] == "/var/lib/virtplan/ledger/demo.json");
}

TEST_CASE("ledger refuses stack names that would escape its directory") {
  FakeTransport fake;
  auto r = Ledger::load(fake, "../etc", Become::none);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message() == "'../etc' cannot name a ledger file");
  CHECK(fake.commands().empty());
}

TEST_CASE("a ledger that cannot be read is an error naming host and file") {
  FakeTransport fake("lab1");
  fake.reply("", 1, "cat: /var/lib/virtplan/ledger/demo.json: Permission denied");
  auto r = Ledger::load(fake, "demo");
  REQUIRE_FALSE(r.has_value());
  CHECK(
      r.error().message() ==
      "lab1: reading /var/lib/virtplan/ledger/demo.json failed: cat: /var/lib/virtplan/ledger/demo.json: Permission denied");
}

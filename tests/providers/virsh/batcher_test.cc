#include "providers/virsh/batcher.h"

#include "providers/base/tar_archive.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

using namespace virtplan::providers;
using virtplan::providers::test::FakeVirshHost;

namespace {

using Lines = std::vector<std::string>;

// Holds the first process until `count` commands wait behind it, so the
// next process is sure to find them all.
void hold_first_process_until(FakeVirshHost& host, std::size_t count) {
  auto first = std::make_shared<std::atomic<bool>>(true);
  host.on_process([&host, count, first](const Command&) {
    if (!first->exchange(false)) return;
    while (host.session().batcher().waiting() < count)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
}

}  // namespace

TEST_CASE("virsh batcher: a lone command runs as VirshRunner::run runs it") {
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");
  auto state = host.session().virsh().run({"domstate", "--domain", "web"});
  REQUIRE(state);
  CHECK(*state == "running\n");
  auto defined = host.session().virsh().run({"define", "/dev/stdin"}, "<domain/>");
  REQUIRE(defined);
  CHECK(host.stdin_of("define /dev/stdin") == "<domain/>");
  CHECK(host.processes() == 2);
  CHECK(host.session().batcher().processes_started() == 2);
}

TEST_CASE("virsh batcher: commands that meet run in one process, each with its own result and document") {
  FakeVirshHost host(VirshBatcher::Options{1, 64});
  host.fail("vol-create --pool images --file /dev/stdin", "error: storage volume 'b' exists already\n");
  host.on("dominfo --domain web", "Name: web\n");
  hold_first_process_until(host, 3);

  // One command holds the only process; three more arrive meanwhile.
  auto first = std::async(std::launch::async, [&] { return host.session().virsh().run({"list", "--name"}); });
  while (host.session().batcher().processes_started() < 1)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto define = std::async(std::launch::async, [&] {
    return host.session().virsh().run({"define", "/dev/stdin"}, "<domain>a</domain>");
  });
  auto create = std::async(std::launch::async, [&] {
    return host.session().virsh().run({"vol-create", "--pool", "images", "--file", "/dev/stdin"},
                                      "<volume>b</volume>");
  });
  auto info = std::async(std::launch::async, [&] {
    return host.session().virsh().run({"dominfo", "--domain", "web"});
  });

  REQUIRE(first.get());
  auto defined = define.get();
  auto created = create.get();
  auto shown = info.get();
  REQUIRE(defined);
  REQUIRE_FALSE(created);
  CHECK(created.error().message().find("storage volume 'b' exists already") != std::string::npos);
  REQUIRE(shown);
  CHECK(*shown == "Name: web\n");
  CHECK(host.processes() == 2);
  CHECK(host.session().batcher().processes_started() == 2);
  CHECK(host.session().batcher().commands_run() == 4);
  CHECK(host.stdin_of("define /dev/stdin") == "<domain>a</domain>");
  CHECK(host.stdin_of("vol-create --pool images --file /dev/stdin") == "<volume>b</volume>");
}

TEST_CASE("virsh batcher: no more processes at once than asked, and no more commands in one") {
  FakeVirshHost host;
  std::atomic<int> running = 0;
  std::atomic<int> most = 0;
  host.on_process([&](const Command&) {
    const int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    --running;
  });
  VirshRunner plain(host.session().transport(), "qemu:///system");
  VirshBatcher batcher(plain, VirshBatcher::Options{2, 3});
  std::vector<std::future<Result<std::string>>> calls;
  for (int i = 0; i < 12; ++i) {
    calls.push_back(std::async(std::launch::async, [&, i] {
      return batcher.run(VirshCall{{"domstate", "--domain", "d" + std::to_string(i)}, std::nullopt},
                         std::chrono::minutes(1));
    }));
  }
  for (auto& call : calls) CHECK(call.get());
  CHECK(most.load() <= 2);
  CHECK(batcher.commands_run() == 12);
  CHECK(batcher.processes_started() >= 4);  // 12 commands, at most 3 in each
  CHECK(host.ran().size() == 12);
}

TEST_CASE("virsh runner: documents of a batch go to private files the commands name") {
  FakeTransport fake;
  fake.respond_with([](const Command&) { return CommandOutput{0, "", ""}; });
  VirshRunner runner(fake, "qemu:///system", Become::sudo);
  runner.batch_calls({VirshCall{{"define", "/dev/stdin"}, "<a/>"},
                      VirshCall{{"list", "--name"}, std::nullopt},
                      VirshCall{{"net-define", "/dev/stdin"}, "<bb/>"}});
  const std::vector<Command> commands = fake.commands();
  REQUIRE(commands.size() == 1);
  const Command& command = commands[0];
  REQUIRE(command.argv.size() == 11);
  CHECK(Lines(command.argv.begin(), command.argv.begin() + 3) == Lines{"sudo", "-n", "sh"});
  CHECK(Lines(command.argv.begin() + 5, command.argv.begin() + 9) ==
        Lines{"virtplan-virsh", "virsh", "-q", "-c"});
  TarArchive documents;
  documents.add("vpdoc0", "<a/>");
  documents.add("vpdoc1", "<bb/>");
  CHECK(command.stdin_data == documents.bytes());
  const std::string& script = command.argv.back();
  CHECK(script.find(" ; define vpdoc0 ; ") != std::string::npos);
  CHECK(script.find(" ; net-define vpdoc1 ; ") != std::string::npos);
  CHECK(script.find("/dev/stdin") == std::string::npos);
}

TEST_CASE("virsh batcher: commands that may take seconds run in their own process") {
  FakeVirshHost host(VirshBatcher::Options{1, 64});
  for (const char* slow : {"start", "shutdown", "destroy", "reboot", "blockresize", "snapshot-create-as"}) {
    CHECK_FALSE(is_quick_virsh_command(slow));
    CHECK_FALSE(host.session().batcher().takes({{slow, "--domain", "web"}, std::nullopt}));
  }
  CHECK(is_quick_virsh_command("define"));
  CHECK(host.session().batcher().takes({{"define", "/dev/stdin"}, "<domain/>"}));
  REQUIRE(host.session().virsh().run({"start", "--domain", "web"}));
  CHECK(host.ran() == Lines{"start --domain web"});
  CHECK(host.session().batcher().commands_run() == 0);
}

TEST_CASE("virsh batcher: the disk path lookups of a domain create share a virsh, read-only") {
  // A domain's disks are written by path (kvm/domain_disk_paths.h): a virsh
  // process of their own for every create made the multi-host bench 2.5x the floor.
  for (const char* lookup : {"pool-dumpxml", "vol-path"}) {
    CHECK(is_quick_virsh_command(lookup));
    CHECK(is_read_only_virsh_call({{lookup, "--pool", "images", "disk"}, std::nullopt}));
  }
}

TEST_CASE("virsh batcher: a call its caller marks quick is shared whatever its subcommand") {
  FakeVirshHost host(VirshBatcher::Options{1, 64});
  CHECK_FALSE(is_quick_virsh_call({{"pool-start", "--pool", "images"}, std::nullopt}));
  CHECK(is_quick_virsh_call({{"pool-start", "--pool", "images"}, std::nullopt, true}));
  CHECK_FALSE(is_quick_virsh_call({{}, std::nullopt, true}));
  REQUIRE(host.session().virsh().run_quick({"pool-start", "--pool", "images"}));
  REQUIRE(host.session().virsh().run({"pool-build", "--pool", "images"}));
  CHECK(host.ran() == Lines{"pool-start --pool images", "pool-build --pool images"});
  CHECK(host.session().batcher().commands_run() == 1);
}

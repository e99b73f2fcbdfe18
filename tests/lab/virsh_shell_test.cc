// The shared virsh over real SSH against a real libvirtd: a host session's
// quick commands, sent by many threads at once, go to a few virsh processes
// that stay running (VirshShellPool); each command keeps its own document and
// result; hostile names stay words; and the shells' temporary directories go
// with them.

#include "cli/kinds.h"
#include "providers/host/host_inventory.h"
#include "providers/host/host_session.h"
#include "providers/host/shell_quote.h"
#include "providers/host/transport_factory.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/scratch_domain.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace virtplan;
using lab::LabEnv;
using lab::require_lab;

namespace {

// The shells' directories on the host that no process works in any more:
// every shared virsh (and batch) runs with its directory as working
// directory, so a directory nobody is in belongs to a shell that ended and
// should be gone. Other tests' shells on the host are left out that way.
std::string orphaned_virsh_dirs(const LabEnv& env) {
  return env.run_in(
      0,
      "for d in /tmp/virtplan-virsh.* /dev/shm/virtplan-virsh.*; do [ -d \"$d\" ] || continue; used=; "
      "for p in /proc/[0-9]*; do [ \"$(readlink $p/cwd 2>/dev/null)\" = \"$d\" ] && used=1 && break; done; "
      "[ -n \"$used\" ] || echo \"$d\"; done");
}

}  // namespace

TEST_CASE(
    "shared virsh over ssh: concurrent defines go to a few running virsh processes, each with its own result") {
  LabEnv env = require_lab();
  auto transport = providers::make_transport(env.host_config(0));
  REQUIRE(transport.has_value());
  const std::string prefix = "vpshell" + std::to_string(getpid()) + "-";
  constexpr int k_domains = 24;
  {
    providers::HostSession host(env.host_config(0), **transport);
    std::vector<std::future<providers::Result<std::string>>> defines;
    for (int i = 0; i < k_domains; ++i) {
      defines.push_back(std::async(std::launch::async, [&, i] {
        return host.virsh().run({"define", "/dev/stdin"},
                                lab::scratch_domain_xml(prefix + std::to_string(i), std::nullopt));
      }));
    }
    // One more, whose document libvirt refuses: only it fails.
    auto broken = std::async(std::launch::async, [&] {
      return host.virsh().run({"define", "/dev/stdin"}, "<domain");
    });
    for (auto& define : defines) {
      auto defined = define.get();
      INFO((defined ? "" : defined.error().message()));
      CHECK(defined.has_value());
    }
    auto refused = broken.get();
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message().starts_with(env.hosts[0].name + ": virsh define: "));
    // Each read gets its own domain's XML back.
    for (int i = 0; i < k_domains; ++i) {
      auto xml = host.virsh().run({"dumpxml", "--domain", prefix + std::to_string(i)});
      REQUIRE(xml.has_value());
      CHECK(xml->find("<name>" + prefix + std::to_string(i) + "</name>") != std::string::npos);
    }
    // All of it through the shells, and no more of them than the pool's limit (4).
    CHECK(host.shells().commands_answered() == k_domains * 2 + 1);
    CHECK(host.shells().shells_started() >= 1);
    CHECK(host.shells().shells_started() <= 4);
    CHECK(host.batcher().commands_run() == 0);
  }
  for (int i = 0; i < k_domains; ++i) {
    CHECK(env.run_in(0, "virsh -q domstate --domain " + prefix + std::to_string(i)) == "shut off\n");
  }
  // The session is over: its shells ended and took their directories along.
  std::string left;
  for (int i = 0; i < 100; ++i) {
    left = orphaned_virsh_dirs(env);
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(left == "");
  for (int i = 0; i < k_domains; ++i) lab::remove_scratch_domain(env, prefix + std::to_string(i));
}

TEST_CASE("shared virsh over ssh: a hostile name is one word to virsh and nothing to sh") {
  LabEnv env = require_lab();
  auto transport = providers::make_transport(env.host_config(0));
  REQUIRE(transport.has_value());
  // Names may not hold '/': the mark lands in the host's home directory.
  const std::string mark = "vp-shell-pwned-" + std::to_string(getpid());
  const std::string hostile = "vpevil" + std::to_string(getpid()) +
                              "' ; undefine --domain x ; echo \"$(cd; touch " + mark + ")`cd; touch " + mark +
                              "`";
  providers::HostSession host(env.host_config(0), **transport);
  auto defined = host.virsh().run({"define", "/dev/stdin"}, lab::scratch_domain_xml(hostile, std::nullopt));
  INFO((defined ? "" : defined.error().message()));
  REQUIRE(defined.has_value());
  auto state = host.virsh().run({"domstate", "--domain", hostile});
  REQUIRE(state.has_value());
  CHECK(state->starts_with("shut off\n"));
  CHECK(host.shells().commands_answered() == 2);
  // Raw virsh on the host agrees, and nothing ran.
  CHECK(env.run_in(0, "virsh -q domstate --domain " + providers::shell_quote(hostile)) == "shut off\n");
  CHECK(env.run_in(0, "ls /root/" + mark + " 2>/dev/null || true") == "");
  REQUIRE(host.virsh().run({"undefine", "--domain", hostile}).has_value());
}

TEST_CASE(
    "shared virsh over ssh: a command the host's virsh cannot parse fails with its words, the next runs") {
  LabEnv env = require_lab();
  auto transport = providers::make_transport(env.host_config(0));
  REQUIRE(transport.has_value());
  providers::HostSession host(env.host_config(0), **transport);
  // virsh parses a whole line before it runs any of it: an option this
  // host's virsh does not know (an older libvirt than virtplan expects)
  // must fail alone, not take the call's end markers with it, or
  // the call after it would wait for the runner's timeout (minutes) and the
  // shell would be lost.
  const auto start = std::chrono::steady_clock::now();
  auto unknown_option = host.virsh().run({"list", "--no-such-option"});
  REQUIRE_FALSE(unknown_option.has_value());
  CHECK(unknown_option.error().message().find("--no-such-option") != std::string::npos);
  auto unknown_too = host.virsh().run({"nodeinfo", "--no-such-option"});
  REQUIRE_FALSE(unknown_too.has_value());
  CHECK(unknown_too.error().message().find("--no-such-option") != std::string::npos);
  // The next call gets its own answer, not an error left from those.
  auto info = host.virsh().run({"nodeinfo"});
  INFO((info ? *info : info.error().message()));
  REQUIRE(info.has_value());
  CHECK(info->starts_with("CPU model:"));
  CHECK(info->find("CPU(s):") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
  // All three went to the one shell the session started, which still runs.
  CHECK(host.shells().shells_started() == 1);
  CHECK(host.shells().commands_answered() == 3);
}

TEST_CASE("shared virsh over ssh: the host's own virsh history is left as it was") {
  LabEnv env = require_lab();
  auto transport = providers::make_transport(env.host_config(0));
  REQUIRE(transport.has_value());
  // An interactive virsh writes its readline history when it ends; the
  // shells are interactive virsh processes, and must not write over the
  // history of the people who use virsh on the host.
  const std::string history = "/root/.cache/libvirt/virsh/history";
  const std::string mine = "list --all # an admin's command, pid " + std::to_string(getpid());
  env.run_in(0, "mkdir -p /root/.cache/libvirt/virsh && printf '%s\\n' " + providers::shell_quote(mine) +
                    " >> " + history);
  const std::string before = env.run_in(0, "cat " + history);
  {
    providers::HostSession host(env.host_config(0), **transport);
    for (int i = 0; i < 3; ++i) REQUIRE(host.virsh().run({"list", "--all", "--name"}).has_value());
    CHECK(host.shells().commands_answered() == 3);
  }
  // The session's shells have ended (its destructor waits for them).
  std::string after;
  for (int i = 0; i < 20; ++i) {
    after = env.run_in(0, "cat " + history);
    if (after != before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(after == before);
  CHECK(after.find(mine) != std::string::npos);
}

TEST_CASE("shared virsh over ssh: a session's shells start with it, and reading the host goes through them") {
  LabEnv env = require_lab();
  const int cpus = std::stoi(env.run_in(0, "nproc"));
  auto transport = providers::make_transport(env.host_config(0));
  REQUIRE(transport.has_value());
  providers::HostSession host(env.host_config(0), **transport);
  host.warm_up();
  // Two, or one on a one-CPU host: the first asks nodeinfo before the second starts.
  const std::size_t warm = static_cast<std::size_t>(std::min(cpus, 2));
  for (int i = 0; i < 100 && host.shells().shells_started() < warm; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(host.shells().shells_started() == warm);
  // Every kind's listing and the XML of what it finds: batches, each of
  // which went to a virsh process of its own before.
  auto inventory = providers::read_host_inventory(host, "vpshell-inventory", cli::kind_readers(), {});
  INFO((inventory ? "" : inventory.error().message()));
  REQUIRE(inventory.has_value());
  CHECK(inventory->kinds.size() == cli::kind_readers().size());
  CHECK(host.shells().shells_started() == warm);
  CHECK(host.shells().commands_answered() >= cli::kind_readers().size());
  CHECK(host.batcher().commands_run() == 0);
  // The warm shell asked for the host's CPUs: however many calls come at
  // once, no more shells than the host has CPUs (nor than four).
  std::vector<std::future<providers::Result<std::string>>> reads;
  for (int i = 0; i < 24; ++i) {
    reads.push_back(std::async(std::launch::async, [&] {
      return host.virsh().run({"list", "--all", "--name"});
    }));
  }
  for (auto& read : reads) CHECK(read.get().has_value());
  CHECK(static_cast<int>(host.shells().shells_started()) <= std::min(cpus, 4));
  // The real libvirtd's `nodecpustats`, over SSH, is what the shells read to
  // see how busy the host is; on any host they understand it.
  auto stats = host.virsh().run({"nodecpustats"});
  INFO((stats ? *stats : stats.error().message()));
  REQUIRE(stats.has_value());
  CHECK(providers::VirshShellPool::cpu_times_in(*stats).has_value());
  // And the session's shells looked at it while the calls came (a one-CPU
  // host has no second shell to decide about, and is not asked).
  if (cpus >= 2) CHECK(host.shells().load_looks() >= 1);
}

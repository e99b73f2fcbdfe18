// The virsh batcher over real SSH against a real libvirtd: commands that
// several threads send at once share virsh processes, each command still gets
// its own document and its own result, and the documents' temporary files
// are gone afterwards.

#include "providers/host/transport_factory.h"
#include "providers/virsh/batcher.h"
#include "providers/virsh/runner.h"
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

TEST_CASE("virsh batcher over ssh: concurrent defines share processes and keep their own results") {
  LabEnv env = require_lab();
  auto transport = providers::make_transport(env.host_config(0));
  REQUIRE(transport.has_value());
  // Over SSH a host session shares virsh through its shell pool; the batcher
  // (what transports that cannot stream use) is built here by hand.
  const providers::HostConfig config = env.host_config(0);
  providers::VirshRunner alone(**transport, config.libvirt_uri, config.become);
  providers::VirshBatcher batcher(alone, providers::VirshBatcher::Options{1, 64});
  struct {
    providers::VirshRunner virsh;
    providers::VirshBatcher& batcher;
  } host{providers::VirshRunner(**transport, config.libvirt_uri, config.become, &batcher), batcher};
  const std::string prefix = "vpbatch" + std::to_string(getpid()) + "-";

  constexpr int k_domains = 12;
  std::vector<std::future<providers::Result<std::string>>> defines;
  for (int i = 0; i < k_domains; ++i) {
    defines.push_back(std::async(std::launch::async, [&, i] {
      return host.virsh.run({"define", "/dev/stdin"},
                            lab::scratch_domain_xml(prefix + std::to_string(i), std::nullopt));
    }));
  }
  // One more, whose document libvirt refuses: only it fails.
  auto broken = std::async(std::launch::async, [&] {
    return host.virsh.run({"define", "/dev/stdin"}, "<domain");
  });

  for (auto& define : defines) {
    auto defined = define.get();
    CHECK(defined.has_value());
  }
  auto refused = broken.get();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message().find("virsh define") != std::string::npos);

  for (int i = 0; i < k_domains; ++i) {
    CHECK(env.run_in(0, "virsh -q domstate --domain " + prefix + std::to_string(i)) == "shut off\n");
  }
  // Fewer processes than commands: the batcher grouped them.
  CHECK(host.batcher.commands_run() == k_domains + 1);
  CHECK(host.batcher.processes_started() < k_domains + 1);
  // The documents' directories are removed when virsh ends. Other tests'
  // applies on this host make their own for a moment, so wait for none.
  std::string left;
  for (int i = 0; i < 200; ++i) {
    left = env.run_in(0, "ls -d /tmp/virtplan-virsh.* 2>/dev/null || true");
    if (left.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(left == "");

  for (int i = 0; i < k_domains; ++i) lab::remove_scratch_domain(env, prefix + std::to_string(i));
}

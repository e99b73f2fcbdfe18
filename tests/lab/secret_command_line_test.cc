// Secrets never reach a command line on a host (issue 15, item 11). Inline
// user-data with letters beyond ASCII went to `virsh metadata --set` as an
// argument of a virsh process (visible in ps and audit logs) when a running
// domain's owner metadata changed. Here every virsh the lab host starts logs
// its arguments (a wrapper bound over /usr/bin/virsh in that host's mount
// namespace only: no sampling, nothing missed), an apply changes the
// running domain's metadata, and the log never holds the secret while the
// running domain's metadata holds it intact.

#include "tests/lab/actuator_scratch.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>

using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::Probe;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::test::run_virtplan;

namespace {

// Not ASCII on purpose: such a word could not go through the virsh shell.
const std::string k_secret = "p\u00e4ssw\u00f6rd-\u00f1-\u65e5\u672c";

// A running TCG domain without an OS, its disk in a pool of the stack, and
// inline user-data holding the secret; `extra` are more domain keys.
std::string secret_stack(const LabEnv& env, const std::string& tag, const std::string& extra) {
  return fmt::format(
      "stack: sc-{0}\nhosts:\n{1}"
      "pools:\n  p-{0}: {{host: {2}, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
      "volumes:\n  v-{0}: {{host: {2}, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n"
      "domains:\n  d-{0}:\n    host: {2}\n    vcpus: 1\n    memory: 64MiB\n    virt_type: qemu\n"
      "    disks: [{{volume: v-{0}, bus: virtio}}]\n"
      "    cloud_init: {{user_data: {{chpasswd: {{list: \"root:{3}\"}}}}}}\n{4}",
      tag, host_block(env, 0), env.hosts[0].name, k_secret, extra);
}

// Every virsh started on lab host 0 appends its arguments to a log, until
// this is destroyed.
struct VirshArgumentLog {
  const LabEnv& env;
  const std::string dir = "/var/lib/virtplan/argv-log";
  explicit VirshArgumentLog(const LabEnv& e) : env(e) {
    env.run_in(
        0,
        fmt::format(
            "set -e; mkdir -p {0}; cp /usr/bin/virsh {0}/virsh.real; : > {0}/log; chmod 0666 {0}/log; "
            "printf '#!/bin/sh\\necho \"virsh $*\" >> {0}/log\\nexec {0}/virsh.real \"$@\"\\n' > {0}/virsh; "
            "chmod 0755 {0}/virsh; mount --bind {0}/virsh /usr/bin/virsh",
            dir));
  }
  ~VirshArgumentLog() {
    try {
      env.run_in(0, "umount /usr/bin/virsh; rm -rf " + dir);
    } catch (...) {
    }
  }
  std::string text() const { return env.run_in(0, "cat " + dir + "/log"); }
};

}  // namespace

TEST_CASE(
    "non-ASCII inline user-data reaches a running domain's metadata intact and no virsh command line on "
    "the host") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('s');
  const std::string stack = write_stack(secret_stack(env, tag, ""));
  StackCleanup cleanup{env, stack};
  VirshArgumentLog log(env);

  const auto created = run_virtplan("apply --auto-approve -f " + stack);
  INFO(created.output);
  REQUIRE(created.status == 0);
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");
  // A policy change of the running domain: its owner element, cloud-init
  // data and all, is set live (virsh metadata), and redefined.
  write_stack_at(stack, secret_stack(env, tag, "    restart: never\n"));
  const auto changed = run_virtplan("apply --auto-approve -f " + stack);
  INFO(changed.output);
  REQUIRE(changed.status == 0);

  const std::string owner = "/domain/metadata/*[local-name()='owner']";
  CHECK(probe.live(owner + "/@restart") == "never");
  const auto cloud_init = nlohmann::json::parse(probe.live(owner + "/*[local-name()='cloud-init']"));
  CHECK(cloud_init.dump().find("root:" + k_secret) != std::string::npos);
  CHECK(probe.config(owner + "/*[local-name()='cloud-init']") ==
        probe.live(owner + "/*[local-name()='cloud-init']"));

  // Other tests run virsh on this host meanwhile: only this test's lines
  // (they name its objects) are held to the words of its secret.
  const std::string all = log.text();
  std::string argv;
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(tag) != std::string::npos) argv += line + "\n";
  }
  INFO(argv);
  CHECK(argv.find("virsh -q -c") != std::string::npos);  // the log saw virtplan's virsh processes
  CHECK(argv.find("root:") == std::string::npos);
  CHECK(all.find("p\u00e4ssw") == std::string::npos);
  CHECK(argv.find("cloud-init") == std::string::npos);
  CHECK(argv.find("chpasswd") == std::string::npos);
  // Nor in a file: an interactive virsh writes every line it read to its
  // readline history (~/.cache/libvirt/virsh/history) unless told otherwise.
  // (The metadata went as ASCII with character references: its secret is
  // looked for by its ASCII words.)
  CHECK(env.run_in(0, fmt::format("grep -rl chpasswd /root /tmp 2>/dev/null | xargs -r grep -l -- {} || true",
                                  tag)) == "");
}

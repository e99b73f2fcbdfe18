// Issue 18, non-root: the lab's users (tests/lab/lab: vplab-virt is in the
// libvirt group, vplab-sudo may only `sudo -n`, vplab-none has neither)
// reach the lab hosts over real SSH and apply with the real binary. Root and
// a member of the group share one ledger and one lock; a user the host
// refuses is told what to add.

#include "providers/host/host_permission.h"
#include "providers/host/ledger.h"
#include "providers/host/transport_factory.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

using namespace virtplan::providers;
using virtplan::lab::has;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::test::run_virtplan;

namespace {

// Host 0 of the lab as `user` reaches it, with `become`.
std::string host_entry(const LabEnv& env, const std::string& user, const std::string& become) {
  return fmt::format(
      "  {}:\n    address: ssh://{}@{}:22\n    identity: {}\n    known_hosts: {}\n    become: {}\n",
      env.hosts[0].name, user, env.hosts[0].address, env.client_key, env.known_hosts, become);
}

// A dir pool and one volume in it: what libvirt makes, as whoever asks.
std::string pool_stack(const LabEnv& env, const std::string& tag, const std::string& user,
                       const std::string& become) {
  return fmt::format(
      "stack: nr-{0}\nhosts:\n{1}"
      "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
      "volumes:\n  v-{0}: {{hosts: all, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n",
      tag, host_entry(env, user, become));
}

// What the refusal of a state directory tells the user to run, done as root
// on the default directories: idempotent, and what root's own runs make
// anyway, so the other lab tests (root) are not disturbed.
void share_state_dirs(const LabEnv& env) {
  env.run_in(0,
             "install -d -m 2770 -g libvirt /var/lib/virtplan/ledger /var/lib/virtplan/lock && "
             "chgrp -R libvirt /var/lib/virtplan/ledger /var/lib/virtplan/lock && "
             "chmod -R g+rw /var/lib/virtplan/ledger /var/lib/virtplan/lock");
}

}  // namespace

TEST_CASE("non-root: a member of the libvirt group applies without sudo, sharing root's ledger and lock") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('g');

  // A state directory the member may not create: the message says what to run.
  HostConfig member = env.host_config(0);
  member.user = "vplab-virt";
  auto transport = make_transport(member);
  REQUIRE(transport.has_value());
  const std::string top = "/var/lib/virtplan-nr-" + std::to_string(getpid());
  env.run_in(0, "install -d -m 0755 " + top);
  Ledger ledger("nr-" + tag);
  ledger.mark_created("pool", "p");
  auto refused = ledger.save(**transport, Become::none, top + "/ledger");
  env.run_in(0, "rm -rf " + top);
  REQUIRE_FALSE(refused.has_value());
  INFO(refused.error().message());
  CHECK(has(refused.error().message(), "user vplab-virt cannot use " + top + "/ledger (cannot create it)"));
  CHECK(has(refused.error().message(), "install -d -m 2770 -g libvirt " + top));

  share_state_dirs(env);
  const std::string as_member = write_stack(pool_stack(env, tag, "vplab-virt", "none"));
  const std::string as_root = write_stack(pool_stack(env, tag, "root", "none"));
  const auto apply = run_virtplan("apply --auto-approve -f " + as_member);
  INFO(apply.output);
  REQUIRE(apply.status == 0);
  CHECK(has(apply.output, fmt::format("volume.v-{}@{}: created", tag, env.hosts[0].name)));
  // The member's ledger is root's too: root plans nothing, and the files
  // stay shared with the group.
  CHECK(env.run_in(0, fmt::format("stat -c '%U %G %a' /var/lib/virtplan/ledger/nr-{0}.json "
                                  "/var/lib/virtplan/lock/nr-{0}.lock",
                                  tag)) == "vplab-virt libvirt 660\nvplab-virt libvirt 660\n");
  const auto root_plan = run_virtplan("plan --detailed-exitcode -f " + as_root);
  INFO(root_plan.output);
  CHECK(root_plan.status == 0);
  // Root's run leaves the lock usable by the member: the member destroys.
  const auto destroy = run_virtplan("destroy --auto-approve -f " + as_member);
  INFO(destroy.output);
  CHECK(destroy.status == 0);
  CHECK_FALSE(has(env.run_in(0, "virsh -q pool-list --all --name"), "p-" + tag));
  std::filesystem::remove(as_member);
  std::filesystem::remove(as_root);
}

TEST_CASE("non-root: become: sudo applies through sudo -n for a user outside the libvirt group") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('s');
  const std::string stack = write_stack(pool_stack(env, tag, "vplab-sudo", "sudo"));
  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  REQUIRE(apply.status == 0);
  CHECK(has(apply.output, fmt::format("volume.v-{}@{}: created", tag, env.hosts[0].name)));
  // Written by root through sudo, in the group's directory.
  CHECK(env.run_in(0, fmt::format("stat -c '%U %a' /var/lib/virtplan/ledger/nr-{}.json", tag)) ==
        "root 660\n");
  const auto destroy = run_virtplan("destroy --auto-approve -f " + stack);
  INFO(destroy.output);
  CHECK(destroy.status == 0);
  std::filesystem::remove(stack);
}

TEST_CASE("non-root: a user with neither the libvirt group nor sudo is told what to add") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('n');
  const std::string plain = write_stack(pool_stack(env, tag, "vplab-none", "none"));
  const auto without = run_virtplan("plan -f " + plain);
  INFO(without.output);
  CHECK(without.status != 0);
  // Whichever refusal comes first, libvirt's socket or virtplan's state
  // directory (made by another test, shared with the group), names the group.
  CHECK((has(without.output, "user vplab-none may not use libvirt (qemu:///system)") ||
         has(without.output, "vplab-none is not in libvirt's group libvirt")));
  CHECK(has(without.output, "usermod -aG libvirt vplab-none"));

  const std::string sudo = write_stack(pool_stack(env, tag, "vplab-none", "sudo"));
  const auto with_sudo = run_virtplan("plan -f " + sudo);
  INFO(with_sudo.output);
  CHECK(with_sudo.status != 0);
  CHECK(has(with_sudo.output, "user vplab-none may not run sudo without a password"));
  CHECK(has(with_sudo.output, "vplab-none ALL=(root) NOPASSWD: ALL"));
  std::filesystem::remove(plain);
  std::filesystem::remove(sudo);
}

// The plan pipeline against a real lab host over real SSH: a stack loaded by
// the real loader and kinds, observed (batched virsh reads), diffed. From an
// empty host everything is a create; once each object exists as its kind's
// create_xml() defines it (owned: marker or ledger), the same plan has nothing
// to do — no false differences; an object of the same name that the stack
// does not own is never planned and the error names `virtplan import`.

#include "cli/kinds.h"
#include "cli/stack_observation.h"
#include "planner/diff.h"
#include "planner/observer.h"
#include "providers/host/ledger.h"
#include "providers/host/transport_factory.h"
#include "providers/virsh/runner.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

using namespace virtplan;
using planner::Action;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;

namespace {

// A stack of one of each kind on the lab's first host; names unique to this run.
std::string stack_yaml(const LabEnv& env, const std::string& tag) {
  const auto& h = env.hosts[0];
  return fmt::format(R"(stack: plan-{tag}
hosts:
  {host}:
    address: ssh://root@{address}:22
    identity: {key}
    known_hosts: {known}
pools:
  p-{tag}: {{host: {host}, type: dir, path: /var/lib/virtplan/p-{tag}}}
volumes:
  v-{tag}: {{host: {host}, pool: p-{tag}, format: qcow2, capacity: 64MiB}}
networks:
  n-{tag}:
    host: {host}
    mode: isolated
    bridge: vpt{tag}
    ipv4: {{address: 10.79.3.1/24, dhcp: {{range: 10.79.3.100-10.79.3.150}}}}
domains:
  d-{tag}:
    host: {host}
    vcpus: 1
    memory: 128MiB
    virt_type: qemu
    state: stopped
    disks: [{{volume: v-{tag}, target: vda, bus: virtio}}]
    interfaces: [{{network: n-{tag}, mac: "52:54:00:79:03:10"}}]
)",
                     fmt::arg("tag", tag), fmt::arg("host", h.name), fmt::arg("address", h.address),
                     fmt::arg("key", env.client_key), fmt::arg("known", env.known_hosts));
}

planner::DiffResult plan(const planner::Stack& stack) {
  auto observed = cli::observe_stack(stack, {});
  REQUIRE(observed.has_value());
  return planner::diff(stack.name, stack.objects, observed->state,
                       [](std::string_view k) { return cli::kinds().by_kind(k); });
}

const providers::StackObject& object_of(const planner::Stack& stack, std::string_view kind) {
  for (const auto& o : stack.objects) {
    if (o.id.kind == kind) return o;
  }
  FAIL("no " << kind << " in the stack");
  return stack.objects.front();
}

void require_ok(const providers::Result<std::string>& r) {
  if (!r) FAIL(r.error().message());
}

// What apply will do for a fresh object, by hand: define each object from its
// kind's create_xml(), in dependency order, and record pools and volumes in
// the ledger (they carry no marker).
void create_all(const planner::Stack& stack, providers::Transport& ssh) {
  providers::VirshRunner virsh(ssh, "qemu:///system");
  auto xml = [&](std::string_view kind) {
    auto doc = cli::kinds().by_kind(kind)->create_xml(object_of(stack, kind));
    if (!doc) FAIL(doc.error().message());
    return *doc;
  };
  const auto& pool = object_of(stack, "pool").id.name;
  const auto& net = object_of(stack, "network").id.name;
  providers::Ledger ledger(stack.name);
  ledger.record_intent("pool", pool);
  ledger.record_intent("volume", object_of(stack, "volume").id.name);
  REQUIRE(ledger.save(ssh).has_value());

  require_ok(virsh.run({"pool-define", "/dev/stdin"}, xml("pool")));
  require_ok(virsh.run({"pool-build", "--pool", pool}));
  require_ok(virsh.run({"pool-start", "--pool", pool}));
  require_ok(virsh.run({"pool-autostart", "--pool", pool}));
  require_ok(virsh.run({"vol-create", "--pool", pool, "--file", "/dev/stdin"}, xml("volume")));
  require_ok(virsh.run({"net-define", "/dev/stdin"}, xml("network")));
  require_ok(virsh.run({"net-start", "--network", net}));
  require_ok(virsh.run({"net-autostart", "--network", net}));
  require_ok(virsh.run({"define", "/dev/stdin"}, xml("domain")));

  ledger.mark_created("pool", pool);
  ledger.mark_created("volume", object_of(stack, "volume").id.name);
  REQUIRE(ledger.save(ssh).has_value());
}

void remove_all(const LabEnv& env, const std::string& tag) {
  env.run_in(
      0,
      fmt::format("virsh -q undefine d-{0} >/dev/null 2>&1; virsh -q net-destroy n-{0} >/dev/null 2>&1; "
                  "virsh -q net-undefine n-{0} >/dev/null 2>&1; virsh -q vol-delete v-{0} --pool p-{0} "
                  ">/dev/null 2>&1; virsh -q pool-destroy p-{0} >/dev/null 2>&1; virsh -q pool-delete p-{0} "
                  ">/dev/null 2>&1; virsh -q pool-undefine p-{0} >/dev/null 2>&1; "
                  "rm -f /var/lib/virtplan/ledger/plan-{0}.json; true",
                  tag));
}

std::map<std::string, Action> actions(const planner::Plan& plan) {
  std::map<std::string, Action> out;
  for (const auto& c : plan.changes()) out[c.id.address()] = c.action;
  return out;
}

}  // namespace

TEST_CASE("plan creates everything on an empty host, then nothing once it exists") {
  const LabEnv env = require_lab();
  const std::string tag = fmt::format("{}", getpid() % 100000);
  const std::string host = env.hosts[0].name;
  const planner::Stack stack = virtplan::lab::load_stack_text(stack_yaml(env, tag));
  remove_all(env, tag);

  auto first = plan(stack);
  CHECK(first.errors.empty());
  for (const auto& e : first.errors) UNSCOPED_INFO(e);
  CHECK(actions(first.plan) ==
        std::map<std::string, Action>{{fmt::format("domain.d-{}@{}", tag, host), Action::create},
                                      {fmt::format("network.n-{}@{}", tag, host), Action::create},
                                      {fmt::format("pool.p-{}@{}", tag, host), Action::create},
                                      {fmt::format("volume.v-{}@{}", tag, host), Action::create}});

  auto ssh = providers::make_transport(stack.hosts.at(host));
  REQUIRE(ssh.has_value());
  create_all(stack, **ssh);

  auto second = plan(stack);
  CHECK(second.errors.empty());
  for (const auto& c : second.plan.changes()) {
    INFO(c.id.address());
    for (const auto& f : c.fields)
      UNSCOPED_INFO(f.path << ": " << f.before.dump() << " -> " << f.after.dump());
    CHECK(c.action == Action::no_op);
  }
  CHECK(second.plan.changes().size() == 4);

  // Drift made by hand shows, with its impact: the domain's memory.
  env.run_in(0, fmt::format("virsh -q setmaxmem d-{} 262144 --config >/dev/null", tag));
  auto third = plan(stack);
  const auto changed = actions(third.plan);
  CHECK(changed.at(fmt::format("domain.d-{}@{}", tag, host)) == Action::update);

  remove_all(env, tag);
}

TEST_CASE("an object of a declared name that the stack does not own is never planned") {
  const LabEnv env = require_lab();
  const std::string tag = fmt::format("u{}", getpid() % 100000);
  const planner::Stack stack = virtplan::lab::load_stack_text(stack_yaml(env, tag));
  remove_all(env, tag);
  // Made by hand: same name, no marker, no ledger entry.
  env.run_in(0, fmt::format("virsh -q net-define /dev/stdin >/dev/null <<'EOF'\n"
                            "<network><name>n-{}</name><bridge name='vpu{}'/></network>\nEOF",
                            tag, tag));
  auto result = plan(stack);
  const std::string address = fmt::format("network.n-{}@{}", tag, env.hosts[0].name);
  CHECK_FALSE(actions(result.plan).contains(address));
  REQUIRE(result.errors.size() == 1);
  CHECK(result.errors[0] == fmt::format("{}: exists on {} but is not owned by stack 'plan-{}'; adopt it "
                                        "with: virtplan import {}",
                                        address, env.hosts[0].name, tag, address));
  remove_all(env, tag);
}

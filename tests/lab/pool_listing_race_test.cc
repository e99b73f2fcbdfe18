// A pool that vanishes while virtplan reads the host. libvirt 9.0's
// `pool-list` asks each listed pool's info after listing them and fails the
// whole listing ("Could not retrieve pool information") when another client
// removed one in between; the host used to count as not read. Here a thread
// defines and undefines a pool in a loop with raw virsh on the host while the
// pool reader, then `virtplan plan`, read it again and again: every reading
// succeeds, and raw listings in the same window show the race did happen.

#include "providers/host/host_inventory.h"
#include "providers/host/host_session.h"
#include "providers/host/shell_quote.h"
#include "providers/host/transport_factory.h"
#include "storage/pool_reader.h"
#include "tests/lab/host_churn.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

namespace {

using namespace virtplan;
using lab::LabEnv;

// How many of `n` raw `virsh pool-list --all --name` failed on the race.
int raw_races(const LabEnv& env, int n) {
  return std::stoi(env.run_in(
      0, fmt::format("n=0; for i in $(seq {}); do virsh -q pool-list --all --name 2>&1 >/dev/null | "
                     "grep -q 'Could not retrieve pool information' && n=$((n+1)); done; echo $n",
                     n)));
}

}  // namespace

TEST_CASE(
    "pool listing race: pools defined and undefined by another client while virtplan reads never fail the "
    "host") {
  const LabEnv env = lab::require_lab(1);
  const std::string tag = lab::tag_for('r');
  // pool-list sorts by name and asks each pool's info in that order: pools
  // listed before the churned one widen the window in which it vanishes.
  std::string define;
  for (int i = 1; i <= 30; ++i) {
    define +=
        fmt::format("pool-define-as rs-{0}-{1:02} dir --target /var/lib/virtplan/rs-{0}-{1:02} ; ", tag, i);
  }
  env.run_in(0, "virsh -q " + providers::shell_quote(define) + " >/dev/null");
  const std::string stack = lab::write_stack(fmt::format(
      "stack: rc-{0}\nhosts:\n{1}pools:\n  rp-{0}: {{host: {2}, type: dir, path: /var/lib/virtplan/rp-{0}}}\n",
      tag, lab::host_block(env, 0), env.hosts[0].name));

  int raced = 0;
  int reader_failures = 0;
  int plan_failures = 0;
  std::string failures;
  {
    // 20 definitions and removals of one pool a virsh process.
    const std::string churned = "rz-" + tag;
    std::string cycle;
    for (int i = 0; i < 20; ++i) {
      cycle += fmt::format("pool-define-as {0} dir --target /tmp/{0} ; pool-undefine {0} ; ", churned);
    }
    lab::HostChurn churn(env, churned, "virsh -q " + providers::shell_quote(cycle) + " >/dev/null 2>&1",
                         "virsh -q pool-undefine " + churned + " >/dev/null 2>&1");
    raced += raw_races(env, 30);

    static const storage::PoolReader pools;
    auto transport = providers::make_transport(env.host_config(0));
    REQUIRE(transport);
    providers::HostSession session(env.host_config(0), **transport);
    for (int i = 0; i < 20; ++i) {
      auto read = providers::read_host_inventory(session, "rc-" + tag, {&pools}, {});
      if (!read) {
        ++reader_failures;
        failures += "reader: " + read.error().message() + "\n";
      }
    }
    for (int i = 0; i < 5; ++i) {
      // The stack's pool is not there yet: a plan that read the host plans it.
      const auto plan = test::run_virtplan("plan --detailed-exitcode -f " + stack);
      if (plan.status != 2) {
        ++plan_failures;
        failures += fmt::format("plan exited {}:\n{}\n", plan.status, plan.output);
      }
    }
    raced += raw_races(env, 30);
  }
  std::string undefine;
  for (int i = 1; i <= 30; ++i) undefine += fmt::format("pool-undefine rs-{}-{:02} ; ", tag, i);
  env.run_in(0, "virsh -q " + providers::shell_quote(undefine) + " >/dev/null");
  std::filesystem::remove(stack);

  INFO(failures);
  WARN(raced << " of 60 raw listings raced with the churn");
  CHECK(raced > 0);  // the race happened while virtplan read the host
  CHECK(reader_failures == 0);
  CHECK(plan_failures == 0);
}

// Ownership is exact (issue 15, items 1, 8 and 9), proven with the real
// binary against a lab host: a same-named volume in a foreign pool is never
// the stack's (plan, drop, destroy), a ledger of the old format (volumes by
// name alone) keeps working and is rewritten by pool, a hand-edited ledger is
// refused instead of inventing a replace, and an intent left by a create that
// failed (or by a crash) does not make a foreign object made later the
// stack's.

#include "providers/host/shell_quote.h"
#include "tests/lab/hand_made_objects.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <filesystem>

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;

namespace {

// Names of one test case: the stack's pool `prod-TAG` and a foreign pool
// `dev-TAG` (made by hand; it sorts first, as a reader by name alone would
// meet it first), each with a volume `root-TAG`.
struct Names {
  std::string tag, stack, prod, dev, root;
  explicit Names(char letter)
      : tag(tag_for(letter)),
        stack("vi-" + tag),
        prod("prod-" + tag),
        dev("dev-" + tag),
        root("root-" + tag) {}
  std::string ledger() const { return "/var/lib/virtplan/ledger/" + stack + ".json"; }
};

// The stack: its pool, and its volume `root` in it when `with_root`.
std::string stack_text(const LabEnv& env, const Names& n, bool with_root,
                       const std::string& capacity = "16MiB") {
  std::string text = fmt::format("stack: {}\nhosts:\n{}", n.stack, host_block(env, 0));
  text += fmt::format("pools:\n  {0}: {{host: {1}, type: dir, path: /var/lib/virtplan/{0}}}\n", n.prod,
                      env.hosts[0].name);
  if (with_root) {
    text += fmt::format("volumes:\n  {}: {{host: {}, pool: {}, format: raw, capacity: {}}}\n", n.root,
                        env.hosts[0].name, n.prod, capacity);
  }
  return text;
}

// A pool made by hand, holding a raw volume `volume`.
void make_foreign_pool(const LabEnv& env, const std::string& pool, const std::string& volume) {
  env.run_in(0,
             fmt::format(
                 "virsh -q pool-define-as --name {0} --type dir --target /var/lib/virtplan/{0} >/dev/null && "
                 "virsh -q pool-build --pool {0} >/dev/null && virsh -q pool-start --pool {0} >/dev/null && "
                 "virsh -q vol-create-as --pool {0} --name {1} --capacity 8M --format raw >/dev/null",
                 shell_quote(pool), shell_quote(volume)));
}

void remove_pool(const LabEnv& env, const std::string& pool) {
  env.run_in(
      0,
      fmt::format(
          "for v in $(virsh -q vol-list --pool {0} 2>/dev/null | awk '{{print $1}}'); do "
          "virsh -q vol-delete --pool {0} --vol \"$v\" >/dev/null 2>&1; done; "
          "virsh -q pool-destroy --pool {0} >/dev/null 2>&1; virsh -q pool-delete --pool {0} >/dev/null 2>&1; "
          "virsh -q pool-undefine --pool {0} >/dev/null 2>&1; rm -rf /var/lib/virtplan/{0}; true",
          shell_quote(pool)));
}

std::string volumes_in(const LabEnv& env, const std::string& pool) {
  return env.run_in(0, fmt::format("virsh -q vol-list --pool {} 2>&1 || true", shell_quote(pool)));
}

void clean_up(const LabEnv& env, const Names& n, const std::string& stack_file) {
  run_virtplan("destroy --auto-approve -f " + stack_file);
  remove_pool(env, n.dev);
  remove_pool(env, n.prod);
  env.run_in(0, "rm -f " + n.ledger());
  std::filesystem::remove(stack_file);
}

}  // namespace

TEST_CASE(
    "a same-named volume in a foreign pool is never the stack's: plan, drop and destroy leave it alone") {
  const LabEnv env = require_lab(1);
  const Names n('v');
  make_foreign_pool(env, n.dev, n.root);
  const std::string stack = write_stack(stack_text(env, n, true));

  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  REQUIRE(apply.status == 0);
  CHECK(has(volumes_in(env, n.prod), n.root));

  // The stack's volume is up to date; the foreign one is not a candidate.
  const auto plan = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 0);
  CHECK_FALSE(has(plan.output, "DATA LOSS"));
  CHECK_FALSE(has(plan.output, n.dev));

  // Dropped from the stack: one destroy, the stack's.
  write_stack_at(stack, stack_text(env, n, false));
  const auto dropped = run_virtplan("plan -f " + stack);
  INFO(dropped.output);
  CHECK(has(dropped.output, "1 to destroy"));
  const auto applied = run_virtplan("apply --auto-approve -f " + stack);
  INFO(applied.output);
  CHECK(applied.status == 0);
  CHECK_FALSE(has(volumes_in(env, n.prod), n.root));
  CHECK(has(volumes_in(env, n.dev), n.root));

  // Declared again, then the whole stack destroyed: the foreign pool and its
  // volume stay.
  write_stack_at(stack, stack_text(env, n, true));
  REQUIRE(run_virtplan("apply --auto-approve -f " + stack).status == 0);
  const auto destroy = run_virtplan("destroy --auto-approve -f " + stack);
  INFO(destroy.output);
  CHECK(destroy.status == 0);
  CHECK_FALSE(has(destroy.output, n.dev));
  CHECK(has(volumes_in(env, n.dev), n.root));

  clean_up(env, n, stack);
}

TEST_CASE(
    "a ledger of format 1 (volumes by name alone) still works beside a foreign same-named volume, and is rewritten by pool") {
  const LabEnv env = require_lab(1);
  const Names n('w');
  const std::string stack = write_stack(stack_text(env, n, true));
  REQUIRE(run_virtplan("apply --auto-approve -f " + stack).status == 0);
  make_foreign_pool(env, n.dev, n.root);
  // The ledger as a virtplan before pools were part of a volume's key wrote it.
  env.run_in(
      0,
      fmt::format(
          "sed -i -e 's|\"volume.{0}/{1}\"|\"volume.{1}\"|' -e 's|\"format_version\": \"2\"|\"format_version\": \"1\"|' {2}",
          n.prod, n.root, n.ledger()));
  REQUIRE(has(env.run_in(0, "cat " + n.ledger()), "\"volume." + n.root + "\""));

  const auto plan = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 0);

  // A change of the volume records it by pool: the old key is gone.
  write_stack_at(stack, stack_text(env, n, true, "32MiB"));
  const auto grow = run_virtplan("apply --auto-approve -f " + stack);
  INFO(grow.output);
  CHECK(grow.status == 0);
  const std::string ledger = env.run_in(0, "cat " + n.ledger());
  INFO(ledger);
  CHECK(has(ledger, "\"volume." + n.prod + "/" + n.root + "\""));
  CHECK_FALSE(has(ledger, "\"volume." + n.root + "\""));
  CHECK(has(ledger, "\"format_version\": \"2\""));

  const auto destroy = run_virtplan("destroy --auto-approve -f " + stack);
  INFO(destroy.output);
  CHECK(destroy.status == 0);
  CHECK(has(volumes_in(env, n.dev), n.root));
  CHECK_FALSE(has(volumes_in(env, n.prod), n.root));
  clean_up(env, n, stack);
}

TEST_CASE("a hand-edited ledger that claims an observed field is refused, not planned as a replace") {
  const LabEnv env = require_lab(1);
  const Names n('x');
  const std::string stack = write_stack(stack_text(env, n, true));
  REQUIRE(run_virtplan("apply --auto-approve -f " + stack).status == 0);
  // The volume is raw; the ledger now says qcow2.
  env.run_in(0, fmt::format("sed -i 's|\"protect\": false|\"format\": \"qcow2\", \"protect\": false|' {}",
                            n.ledger()));
  REQUIRE(has(env.run_in(0, "cat " + n.ledger()), "qcow2"));

  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 1);
  CHECK_FALSE(has(plan.output, "DATA LOSS"));
  CHECK_FALSE(has(plan.output, "replace"));
  CHECK(has(plan.output,
            fmt::format("entry volume.{}/{} holds 'format', which a volume does not keep in the ledger",
                        n.prod, n.root)));
  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  CHECK(apply.status != 0);
  CHECK(has(volumes_in(env, n.prod), n.root));

  env.run_in(0, fmt::format("sed -i 's|\"format\": \"qcow2\", ||' {}", n.ledger()));
  clean_up(env, n, stack);
}

TEST_CASE(
    "an intent left by a create that failed does not make a foreign volume made later under that name the stack's") {
  const LabEnv env = require_lab(1);
  const Names n('y');
  const std::string stack = write_stack(stack_text(env, n, false));
  REQUIRE(run_virtplan("apply --auto-approve -f " + stack).status == 0);
  // A file libvirt has not listed yet sits where the volume goes: its create fails.
  env.run_in(0, fmt::format("echo foreign > /var/lib/virtplan/{}/{}", n.prod, n.root));
  write_stack_at(stack, stack_text(env, n, true));
  const auto failed = run_virtplan("apply --auto-approve -f " + stack);
  INFO(failed.output);
  REQUIRE(failed.status != 0);
  CHECK(has(failed.output, "volume." + n.root));
  // Someone else's volume shows up under that name.
  env.run_in(0, fmt::format("virsh -q pool-refresh --pool {} >/dev/null", n.prod));
  REQUIRE(has(volumes_in(env, n.prod), n.root));

  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 1);
  CHECK(has(plan.output, fmt::format("volume.{}@{}: exists on {} but is not owned by stack '{}'", n.root,
                                     env.hosts[0].name, env.hosts[0].name, n.stack)));
  // Not declared any more: it is not the stack's to destroy.
  write_stack_at(stack, stack_text(env, n, false));
  const auto dropped = run_virtplan("apply --auto-approve -f " + stack);
  INFO(dropped.output);
  CHECK(dropped.status == 0);
  CHECK(has(volumes_in(env, n.prod), n.root));
  CHECK(has(env.run_in(0, fmt::format("cat /var/lib/virtplan/{}/{}", n.prod, n.root)), "foreign"));
  clean_up(env, n, stack);
}

TEST_CASE(
    "an intent left by a crash does not make a domain defined by hand later the stack's: it lacks the marker") {
  const LabEnv env = require_lab(1);
  const Names n('z');
  const std::string domain = "d-" + n.tag;
  std::string text = fmt::format("stack: {}\nhosts:\n{}", n.stack, host_block(env, 0));
  text +=
      fmt::format("domains:\n  {}: {{host: {}, vcpus: 1, memory: 64MiB, virt_type: qemu, state: stopped}}\n",
                  domain, env.hosts[0].name);
  const std::string stack = write_stack(text);
  // virtplan recorded its intent, then died before `define` (format 1: any
  // virtplan reads it).
  env.run_in(0,
             fmt::format("mkdir -p /var/lib/virtplan/ledger && printf '%s' {} > {}",
                         shell_quote(fmt::format(R"({{"format_version": "1", "stack": "{}", "objects": )"
                                                 R"({{"domain.{}": {{"state": "intent", "data": {{}}}}}}}})",
                                                 n.stack, domain)),
                         n.ledger()));
  env.run_in(
      0,
      fmt::format("echo {} | virsh -q define /dev/stdin >/dev/null",
                  shell_quote(fmt::format("<domain type='qemu'><name>{}</name><memory unit='MiB'>32</memory>"
                                          "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>",
                                          domain))));
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 1);
  CHECK(has(plan.output, fmt::format("domain.{}@{}: exists on {} but is not owned by stack '{}'", domain,
                                     env.hosts[0].name, env.hosts[0].name, n.stack)));
  // Nor is it destroyed with the stack.
  const auto destroy = run_virtplan("destroy --auto-approve -f " + stack);
  INFO(destroy.output);
  CHECK(has(env.run_in(0, "virsh -q list --all --name"), domain));
  // Adopted by hand, it is the stack's: its entry is no longer an intent.
  const auto adopted =
      run_virtplan(fmt::format("import domain.{}@{} -f {}", domain, env.hosts[0].name, stack));
  INFO(adopted.output);
  CHECK(adopted.status == 0);
  CHECK(env.run_in(0, fmt::format("jq -r '.objects[\"domain.{}\"].state' {}", domain, n.ledger())) ==
        "created\n");

  env.run_in(
      0, fmt::format("virsh -q undefine --domain {} >/dev/null 2>&1; rm -f {}; true", domain, n.ledger()));
  std::filesystem::remove(stack);
}

TEST_CASE(
    "import of a volume name that two pools hold asks for the pool, and volume.POOL/NAME@HOST adopts that one") {
  const LabEnv env = require_lab(1);
  const Names n('u');
  const std::string other = "oth-" + n.tag;
  make_foreign_pool(env, n.dev, n.root);
  make_foreign_pool(env, other, n.root);
  const std::string stack = write_stack(stack_text(env, n, false));
  REQUIRE(run_virtplan("apply --auto-approve -f " + stack).status == 0);
  const std::string host = env.hosts[0].name;

  const auto ambiguous = run_virtplan(fmt::format("import volume.{}@{} -f {}", n.root, host, stack));
  INFO(ambiguous.output);
  CHECK(ambiguous.status == 1);
  CHECK(has(ambiguous.output, fmt::format("volume.{0}@{1}: names 2 objects; say which: volume.{2}/{0}@{1}, "
                                          "volume.{3}/{0}@{1}; nothing imported",
                                          n.root, host, n.dev, other)));
  CHECK_FALSE(has(env.run_in(0, "cat " + n.ledger()), n.root));

  // Its pool first: a stack declares the pool of its volumes, and import
  // prints only YAML that validates beside the stack's files.
  const std::string errors = fmt::format("/tmp/vp-import-{}.err", n.tag);
  const auto pool_yaml =
      virtplan::lab::virtplan_stdout(fmt::format("import pool.{}@{} -f {}", other, host, stack), errors);
  INFO(pool_yaml.output);
  REQUIRE(pool_yaml.status == 0);
  std::filesystem::remove(errors);
  const std::string pools_section = "pools:\n";
  std::string declared = stack_text(env, n, false);
  declared.insert(declared.find(pools_section) + pools_section.size(),
                  pool_yaml.output.substr(pool_yaml.output.find('\n') + 1));
  write_stack_at(stack, declared);

  const auto imported = run_virtplan(fmt::format("import volume.{}/{}@{} -f {}", other, n.root, host, stack));
  INFO(imported.output);
  CHECK(imported.status == 0);
  CHECK(has(imported.output, "pool: " + other));
  CHECK(has(env.run_in(0, "cat " + n.ledger()), fmt::format("\"volume.{}/{}\"", other, n.root)));

  // Declared as imported, the plan is empty; dropped again, only the
  // adopted volume is destroyed.
  declared += fmt::format("volumes:\n  {}: {{host: {}, pool: {}, format: raw, capacity: 8MiB}}\n", n.root,
                          host, other);
  write_stack_at(stack, declared);
  const auto plan = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 0);
  declared.erase(declared.find("volumes:\n"));
  write_stack_at(stack, declared);
  const auto dropped = run_virtplan("apply --auto-approve -f " + stack);
  INFO(dropped.output);
  CHECK(dropped.status == 0);
  CHECK_FALSE(has(volumes_in(env, other), n.root));
  CHECK(has(volumes_in(env, n.dev), n.root));

  remove_pool(env, other);
  clean_up(env, n, stack);
}

TEST_CASE(
    "an intent left by a crash for a volume the stack no longer declares is cleared by the next apply, so a foreign volume made later under its name is left alone") {
  const LabEnv env = require_lab(1);
  const Names n('t');
  const std::string ghost = "ghost-" + n.tag;
  const std::string stack = write_stack(stack_text(env, n, false));
  REQUIRE(run_virtplan("apply --auto-approve -f " + stack).status == 0);
  // virtplan recorded its intent to create `ghost`, then died before the
  // create, and the stack dropped it (format 1: any virtplan reads it).
  env.run_in(0, fmt::format(
                    "printf '%s' {} > {}",
                    shell_quote(fmt::format(R"({{"format_version": "1", "stack": "{}", "objects": {{)"
                                            R"("pool.{}": {{"state": "created", "data": {{"built": true}}}},)"
                                            R"("volume.{}": {{"state": "intent", "data": {{}}}}}}}})",
                                            n.stack, n.prod, ghost)),
                    n.ledger()));
  const auto apply = run_virtplan("apply --auto-approve -f " + stack);
  INFO(apply.output);
  CHECK(apply.status == 0);
  CHECK_FALSE(has(env.run_in(0, "cat " + n.ledger()), ghost));

  // Someone else makes a volume of that name in the stack's pool.
  env.run_in(0,
             fmt::format("virsh -q vol-create-as --pool {} --name {} --capacity 8M --format raw >/dev/null",
                         n.prod, ghost));
  const auto plan = run_virtplan("plan --detailed-exitcode -f " + stack);
  INFO(plan.output);
  CHECK(plan.status == 0);
  const auto again = run_virtplan("apply --auto-approve -f " + stack);
  INFO(again.output);
  CHECK(has(volumes_in(env, n.prod), ghost));

  env.run_in(0, fmt::format("virsh -q vol-delete --pool {} --vol {} >/dev/null 2>&1; true", n.prod, ghost));
  clean_up(env, n, stack);
}

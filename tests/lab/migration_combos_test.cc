// Migrations that mix what the other migration tests take one at a time
// (issue 20), each with tiny domains that run without an OS (SeaBIOS finds
// nothing to boot and waits): a running domain with one disk on a shared
// pool and one local disk (only the local one crosses: the shared file is
// never written); an overlay beside a plain disk in one live migration (the
// plain disk whole, the overlay's own clusters only, over a base of the same
// non-zero bytes on both hosts); an overlay over an image whose cache is at
// another path on the new host (its backing path rewritten there); and a
// foreign overlay of the same base on the old host, which the migration and
// the stack's later wish to drop the base there leave alone.

#include "providers/host/shell_quote.h"
#include "tests/lab/image_server.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/lab/migration_key.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

namespace migration_combos_lab {

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::trimmed;
using virtplan::lab::write_stack;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What lab host `i` shows of the stack's objects.
struct HostView {
  const LabEnv& env;

  std::string path(std::size_t i, const std::string& pool, const std::string& volume) const {
    return trimmed(env.run_in(i, fmt::format("virsh -q vol-path --pool {} {} 2>/dev/null; true",
                                             shell_quote(pool), shell_quote(volume))));
  }
  bool listed(std::size_t i, const std::string& pool, const std::string& volume) const {
    return !path(i, pool, volume).empty();
  }
  bool defined(std::size_t i, const std::string& domain) const {
    return has(env.run_in(i, "virsh -q list --all --name"), domain);
  }
  std::string state(std::size_t i, const std::string& domain) const {
    return trimmed(env.run_in(i, "virsh -q domstate " + shell_quote(domain) + " 2>/dev/null || true"));
  }
  std::string sha256(std::size_t i, const std::string& file) const {
    return trimmed(env.run_in(i, "sha256sum < " + shell_quote(file)));
  }
  // What a guest reads of the qcow2 `file` with its backing chain (-U: QEMU
  // may hold it).
  std::string disk_sha256(std::size_t i, const std::string& file) const {
    return trimmed(
        env.run_in(i, fmt::format("t=$(mktemp) && qemu-img convert -U -f qcow2 -O raw {} \"$t\" && "
                                  "sha256sum < \"$t\"; rm -f \"$t\"",
                                  shell_quote(file))));
  }
  std::string info(std::size_t i, const std::string& file) const {
    return env.run_in(i, "qemu-img info -U " + shell_quote(file));
  }
  // The bytes the file takes on disk (qcow2: what it holds of its own).
  std::uint64_t allocated(std::size_t i, const std::string& file) const {
    return std::stoull(trimmed(env.run_in(i, "du -B1 " + shell_quote(file) + " | cut -f1")));
  }
  // Nothing of domain `name`'s migration key or authorization is left on host i.
  bool no_key_left(std::size_t i, const std::string& name) const {
    return virtplan::lab::no_migration_key_left(env, i, virtplan::lab::domain_uuid(env, name));
  }
  std::string ledger(std::size_t i, const std::string& stack) const {
    return env.run_in(i, fmt::format("cat /var/lib/virtplan/ledger/{}.json 2>/dev/null; true", stack));
  }
};

// A tiny domain with no OS, running unless `state` says otherwise, on the
// disks `disks` (YAML, a flow list).
std::string domain_text(const std::string& name, const std::string& host, const std::string& disks,
                        const std::string& state = "running") {
  return fmt::format(
      "  {}: {{host: {}, vcpus: 1, memory: 32MiB, virt_type: qemu, shutdown_timeout: 1, "
      "state: {},\n    disks: {}}}\n",
      name, host, state, disks);
}

TEST_CASE(
    "live migration of a domain with a disk on a shared pool and a local disk copies the local one only") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const HostView v{env};
  const std::string tag = tag_for('M');
  const std::string shared_dir = fmt::format("{}/mixed-{}", env.dir, tag);
  const std::string sp = "sp-" + tag, lp = "lp-" + tag, sv = "sv-" + tag, lv = "lv-" + tag, name = "m-" + tag;
  auto text = [&](std::size_t on) {
    const std::string host = env.hosts[on].name;
    return fmt::format(
               "stack: mixed-{0}\nhosts:\n{1}{2}"
               "pools:\n  {3}: {{hosts: all, type: dir, path: {4}, shared: true}}\n"
               "  {5}: {{hosts: all, type: dir, path: /var/lib/virtplan/{5}}}\n"
               "volumes:\n  {6}: {{host: {8}, pool: {3}, format: raw, capacity: 8MiB}}\n"
               "  {7}: {{host: {8}, pool: {5}, format: raw, capacity: 8MiB}}\n"
               "domains:\n",
               tag, host_block(env, 0), host_block(env, 1), sp, shared_dir, lp, sv, lv, host) +
           domain_text(name, host,
                       fmt::format("[{{volume: {}, target: vda, bus: virtio, cache: none}}, "
                                   "{{volume: {}, target: vdb, bus: virtio}}]",
                                   sv, lv));
  };
  const std::string stack = write_stack(text(0));
  StackCleanup cleanup{env, stack, "rm -rf " + shell_quote(shared_dir)};
  virtplan::lab::apply_stack(stack, text(0));
  REQUIRE(v.state(0, name) == "running");
  const std::string shared = v.path(0, sp, sv);
  const std::string local = v.path(0, lp, lv);
  REQUIRE(shared == shared_dir + "/" + sv);
  env.run_in(0, fmt::format("for f in {} {}; do dd if=/dev/urandom of=$f bs=1M count=8 conv=notrunc "
                            "status=none; done",
                            shell_quote(shared), shell_quote(local)));
  // Its inode, its last write (to the nanosecond) and its bytes: a copy onto
  // itself (the disk in --migrate-disks) would change the second.
  const std::string identity =
      "stat -c '%i %y' " + shell_quote(shared) + " && sha256sum < " + shell_quote(shared);
  const std::string shared_before = env.run_in(0, identity);
  const std::string local_sha = v.sha256(0, local);

  const std::string plan = virtplan::lab::plan_of(stack, text(1));
  CHECK(has(plan, fmt::format("migrate to {}  live, 8 MiB of disk copied, shared pool {}: not copied",
                              env.hosts[1].name, sp)));
  CHECK(has(plan,
            fmt::format("with domain.{}@{}, shared pool {}: nothing copied", name, env.hosts[0].name, sp)));
  CHECK(has(plan, fmt::format("with domain.{}@{}, 8 MiB copied", name, env.hosts[0].name)));
  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);

  CHECK(v.state(1, name) == "running");
  CHECK_FALSE(v.defined(0, name));
  CHECK(v.path(1, sp, sv) == shared);
  CHECK(env.run_in(1, identity) == shared_before);
  CHECK(env.run_in(0, identity) == shared_before);
  CHECK(v.sha256(1, v.path(1, lp, lv)) == local_sha);
  CHECK_FALSE(v.listed(0, lp, lv));
  CHECK(v.no_key_left(0, name));
  CHECK(v.no_key_left(1, name));
  const std::string old_ledger = v.ledger(0, "mixed-" + tag);
  CHECK_FALSE(has(old_ledger, name));
  CHECK_FALSE(has(old_ledger, lv));
  CHECK_FALSE(has(old_ledger, sv));
  virtplan::lab::check_plan_empty(stack);
  WARN("live migration with a shared and a local disk: " << seconds_since(start) << " s");
}

TEST_CASE(
    "an overlay beside a plain disk migrates live: the plain disk whole, the overlay's own clusters only") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const HostView v{env};
  const std::string tag = tag_for('I');
  const std::string pool = "p-" + tag, base = "base-" + tag, top = "top-" + tag, plain = "plain-" + tag,
                    name = "o-" + tag;
  auto text = [&](std::size_t on, const std::string& state) {
    const std::string host = env.hosts[on].name;
    return fmt::format(
               "stack: ovplain-{0}\nhosts:\n{1}{2}"
               "pools:\n  {3}: {{hosts: all, type: dir, path: /var/lib/virtplan/{3}}}\n"
               "volumes:\n  {4}: {{hosts: all, pool: {3}, format: raw, capacity: 32MiB}}\n"
               "  {5}: {{host: {7}, pool: {3}, format: qcow2, backing: {4}}}\n"
               "  {6}: {{host: {7}, pool: {3}, format: raw, capacity: 8MiB}}\n"
               "domains:\n",
               tag, host_block(env, 0), host_block(env, 1), pool, base, top, plain, host) +
           domain_text(name, host,
                       fmt::format("[{{volume: {}, target: vda, bus: virtio}}, {{volume: {}, target: vdb, "
                                   "bus: virtio}}]",
                                   top, plain),
                       state);
  };
  const std::string stack = write_stack(text(0, "stopped"));
  StackCleanup cleanup{env, stack};
  virtplan::lab::apply_stack(stack, text(0, "stopped"));
  // The base: the same 32 MiB of a pattern on both hosts (a copy of the whole
  // disk would put them into the new host's overlay); the overlay: 4 MiB of
  // its own; the plain disk: random bytes. Then the domain starts.
  for (std::size_t i : {0, 1})
    env.run_in(i, fmt::format("qemu-io -f raw -c 'write -P 0x33 0 32M' {} >/dev/null",
                              shell_quote(v.path(i, pool, base))));
  env.run_in(
      0, fmt::format("qemu-io -f qcow2 -c 'write -P 0x5a 1M 4M' {} >/dev/null && "
                     "dd if=/dev/urandom of={} bs=1M count=8 conv=notrunc status=none && virsh -q start {}",
                     shell_quote(v.path(0, pool, top)), shell_quote(v.path(0, pool, plain)), name));
  const std::string disk_sha = v.disk_sha256(0, v.path(0, pool, top));
  const std::string plain_sha = v.sha256(0, v.path(0, pool, plain));
  REQUIRE(v.state(0, name) == "running");

  const std::string plan = virtplan::lab::plan_of(stack, text(1, "running"));
  CHECK(has(plan, fmt::format("~> domain.{}@{}", name, env.hosts[0].name)));
  CHECK(has(plan, "live, "));
  CHECK(has(plan,
            fmt::format("at most 32 MiB of overlay copied, base {} present on {}", base, env.hosts[1].name)));
  CHECK(has(plan, fmt::format("with domain.{}@{}, 8 MiB copied", name, env.hosts[0].name)));
  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);

  CHECK(v.state(1, name) == "running");
  CHECK_FALSE(v.defined(0, name));
  CHECK_FALSE(v.listed(0, pool, top));
  CHECK_FALSE(v.listed(0, pool, plain));
  CHECK(v.listed(0, pool, base));
  const std::string moved_top = v.path(1, pool, top);
  CHECK(has(v.info(1, moved_top), "backing file: " + v.path(1, pool, base)));
  CHECK(v.disk_sha256(1, moved_top) == disk_sha);
  CHECK(v.sha256(1, v.path(1, pool, plain)) == plain_sha);
  // Incremental: the overlay holds its 4 MiB, not the 32 of the base under it.
  const auto own = v.allocated(1, moved_top);
  INFO("the moved overlay takes " << own << " bytes");
  CHECK(own < (12ull << 20));
  CHECK(v.no_key_left(0, name));
  CHECK(v.no_key_left(1, name));
  virtplan::lab::check_plan_empty(stack);
  WARN("live migration of an overlay beside a plain disk: " << seconds_since(start) << " s");
}

// The lab's hosts share pool paths, and a pool is declared with one path for
// every host, and an overlay's base (`backing: NAME`) is a volume of its own
// pool: a base at another path on the new host is an image by URL in a host
// cache (`image_cache:`) of another path. The image is served from this
// machine (tests/lab/image_server.h) and is in both caches before the move
// (a thin clone of it on the new host fetched it there).
TEST_CASE(
    "an overlay of an image migrates offline to a host whose image cache is elsewhere and is rebased there") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const HostView v{env};
  const std::string tag = tag_for('R');
  const std::string images = "/tmp/vp-images-" + tag;
  std::filesystem::remove_all(images);
  std::filesystem::create_directories(images);
  virtplan::lab::here(
      fmt::format("set -e; cd {}; qemu-img create -q -f raw base.raw 4M; "
                  "qemu-io -f raw -c 'write -P 0x33 0 4M' base.raw >/dev/null; "
                  "printf 'virtplan-rebase-{}' | dd of=base.raw conv=notrunc status=none; "
                  "qemu-img convert -f raw -O qcow2 base.raw base.qcow2",
                  shell_quote(images), tag));
  const std::string digest = virtplan::lab::here("sha256sum <" + images + "/base.qcow2").substr(0, 64);
  const virtplan::lab::ImageServer server(images, fmt::format("10.231.{}.1", env.hosts[0].index));
  const std::string cache0 = "/var/lib/virtplan/cache-a-" + tag, cache1 = "/var/lib/virtplan/cache-b-" + tag;
  const std::string pool = "p-" + tag, top = "top-" + tag, name = "d-" + tag;
  auto text = [&](std::size_t on) {
    const std::string host = env.hosts[on].name;
    const std::string backing =
        fmt::format("{{source: {{url: '{}', sha256: {}}}}}", server.url("base.qcow2"), digest);
    return fmt::format(
               "stack: rebase-{0}\nhosts:\n{1}    image_cache: {2}\n{3}    image_cache: {4}\n"
               "pools:\n  {5}: {{hosts: all, type: dir, path: /var/lib/virtplan/{5}}}\n"
               "volumes:\n  {6}: {{host: {7}, pool: {5}, format: qcow2, capacity: 8MiB, backing: {8}}}\n"
               "  anchor-{0}: {{host: {9}, pool: {5}, format: qcow2, capacity: 8MiB, backing: {8}}}\n"
               "domains:\n",
               tag, host_block(env, 0), cache0, host_block(env, 1), cache1, pool, top, host, backing,
               env.hosts[1].name) +
           domain_text(name, host, fmt::format("[{{volume: {}, target: vda}}]", top), "stopped");
  };
  const std::string stack = write_stack(text(0));
  struct Caches {
    const LabEnv& env;
    std::string dir0, dir1, images;
    ~Caches() {
      try {
        env.run_in(0, "rm -rf " + shell_quote(dir0));
        env.run_in(1, "rm -rf " + shell_quote(dir1));
      } catch (...) {
      }
      std::filesystem::remove_all(images);
    }
  } caches{env, cache0, cache1, images};
  StackCleanup cleanup{env, stack};
  virtplan::lab::apply_stack(stack, text(0));
  const std::string image0 = fmt::format("{}/sha256-{}", cache0, digest);
  const std::string image1 = fmt::format("{}/sha256-{}", cache1, digest);
  const std::string top0 = v.path(0, pool, top);
  REQUIRE(has(v.info(0, top0), "backing file: " + image0));
  env.run_in(0, fmt::format("qemu-io -f qcow2 -c 'write -P 0x5a 1M 2M' {} >/dev/null", shell_quote(top0)));
  const std::string disk_sha = v.disk_sha256(0, top0);

  const std::string plan = virtplan::lab::plan_of(stack, text(1));
  CHECK(has(plan, fmt::format("at most 8 MiB of overlay copied, base image sha256-{} on {}",
                              digest.substr(0, 12), env.hosts[1].name)));
  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);

  CHECK(v.defined(1, name));
  CHECK_FALSE(v.defined(0, name));
  CHECK_FALSE(v.listed(0, pool, top));
  const std::string top1 = v.path(1, pool, top);
  const std::string info = v.info(1, top1);
  INFO(info);
  CHECK(has(info, "backing file: " + image1));
  CHECK_FALSE(has(info, cache0));
  CHECK(v.disk_sha256(1, top1) == disk_sha);
  // The old host's cache keeps the image (other clones may use it).
  CHECK(trimmed(env.run_in(0, "test -f " + shell_quote(image0) + " && echo kept")) == "kept");
  virtplan::lab::check_plan_empty(stack);
  WARN("offline migration of an overlay rebased on a cache elsewhere: " << seconds_since(start) << " s");
}

// A volume the stack does not own, made by hand on the old host over the
// stack's base: a stack that moves its overlay away and drops the base there
// in one apply is refused the base's destroy, naming that volume alone (the
// stack's overlay, leaving, no longer holds it), and nothing changes; with
// the base kept there, the move takes nothing of the foreign overlay's; and
// moving back, dropping the base from the other host (which no foreign
// overlay holds), deletes that base once the overlay left it.
TEST_CASE("a foreign overlay of the base on the old host survives the migration of the stack's overlay") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const HostView v{env};
  const std::string tag = tag_for('F');
  const std::string pool = "p-" + tag, base = "base-" + tag, top = "top-" + tag, foreign = "foreign-" + tag,
                    name = "d-" + tag;
  const std::string h0 = env.hosts[0].name, h1 = env.hosts[1].name;
  auto text = [&](std::size_t on, const std::string& base_hosts) {
    const std::string host = env.hosts[on].name;
    return fmt::format(
               "stack: foreign-ovl-{0}\nhosts:\n{1}{2}"
               "pools:\n  {3}: {{hosts: all, type: dir, path: /var/lib/virtplan/{3}}}\n"
               "volumes:\n  {4}: {{{7}, pool: {3}, format: raw, capacity: 16MiB}}\n"
               "  {5}: {{host: {6}, pool: {3}, format: qcow2, backing: {4}}}\n"
               "domains:\n",
               tag, host_block(env, 0), host_block(env, 1), pool, base, top, host, base_hosts) +
           domain_text(name, host, fmt::format("[{{volume: {}, target: vda}}]", top), "stopped");
  };
  const std::string stack = write_stack(text(0, "hosts: all"));
  StackCleanup cleanup{env, stack,
                       fmt::format("virsh -q vol-delete --pool {} {} >/dev/null 2>&1", pool, foreign)};
  virtplan::lab::apply_stack(stack, text(0, "hosts: all"));
  const std::string base0 = v.path(0, pool, base);
  const std::string top0 = v.path(0, pool, top);
  for (std::size_t i : {0, 1})
    env.run_in(i, fmt::format("qemu-io -f raw -c 'write -P 0x33 0 16M' {} >/dev/null",
                              shell_quote(v.path(i, pool, base))));
  env.run_in(
      0, fmt::format(
             "virsh -q vol-create-as {1} {2} 16M --format qcow2 --backing-vol {0} "
             "--backing-vol-format raw >/dev/null && "
             "qemu-io -f qcow2 -c 'write -P 0x66 2M 1M' $(virsh -q vol-path --pool {1} {2}) >/dev/null && "
             "qemu-io -f qcow2 -c 'write -P 0x5a 1M 2M' {3} >/dev/null",
             shell_quote(base0), pool, foreign, shell_quote(top0)));
  const std::string foreign0 = v.path(0, pool, foreign);
  const std::string base_sha = v.sha256(0, base0);
  const std::string foreign_file = v.sha256(0, foreign0);
  const std::string foreign_disk = v.disk_sha256(0, foreign0);
  const std::string top_disk = v.disk_sha256(0, top0);
  auto untouched = [&] {
    CHECK(v.sha256(0, base0) == base_sha);
    CHECK(v.sha256(0, foreign0) == foreign_file);
    CHECK(v.disk_sha256(0, foreign0) == foreign_disk);
    CHECK(has(v.info(0, foreign0), "backing file: " + base0));
  };

  // Moved and the base dropped from the old host, in one apply: refused.
  virtplan::lab::write_stack_at(stack, text(1, "host: " + h1));
  const auto refused = run_virtplan("apply --auto-approve -f " + stack);
  INFO(refused.output);
  CHECK(refused.status != 0);
  CHECK(has(refused.output, fmt::format("volume.{}@{}: would be destroyed but is held by volume.{}@{} "
                                        "(backing file); it is left alone",
                                        base, h0, foreign, h0)));
  CHECK(v.defined(0, name));
  CHECK_FALSE(v.defined(1, name));
  untouched();

  // The base kept on the old host: the overlay moves, the foreign one stays.
  virtplan::lab::apply_stack(stack, text(1, "hosts: all"));
  CHECK(v.defined(1, name));
  CHECK_FALSE(v.defined(0, name));
  CHECK_FALSE(v.listed(0, pool, top));
  CHECK(v.disk_sha256(1, v.path(1, pool, top)) == top_disk);
  untouched();

  // Back, the base dropped from host 1 where nothing else holds it.
  virtplan::lab::apply_stack(stack, text(0, "host: " + h0));
  CHECK(v.defined(0, name));
  CHECK_FALSE(v.defined(1, name));
  CHECK_FALSE(v.listed(1, pool, top));
  CHECK_FALSE(v.listed(1, pool, base));
  CHECK(v.disk_sha256(0, v.path(0, pool, top)) == top_disk);
  untouched();
  WARN("foreign overlay beside migrations: " << seconds_since(start) << " s");
}

}  // namespace migration_combos_lab

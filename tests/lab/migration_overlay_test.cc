// Offline migration of what a plain volume copy does not cover (issue 20):
// an overlay moves alone, its own data copied over the same base on the new
// host (a base of other bytes there is refused, naming both hosts, and
// nothing is made), through a `kill -9` mid-copy too; and a UEFI domain's
// NVRAM file (a marker written into its variables) moves with it, gone from
// the old host. An overlay of an image by URL moves to a host whose image
// cache lacks the image: the migration fetches it there first (and a host
// that cannot reach the URL stops it before anything moved).

#include "providers/host/shell_quote.h"
#include "tests/lab/image_server.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/lab/nft_table.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

using virtplan::lab::has;
using virtplan::lab::here;
using virtplan::lab::host_block;
using virtplan::lab::ImageServer;
using virtplan::lab::LabEnv;
using virtplan::lab::NftTable;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::trimmed;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;
using namespace std::chrono_literals;

namespace {

// An empty raw base on both hosts (the same bytes: zeros), a qcow2 overlay
// of it and a stopped domain using the overlay, both on lab host `on`.
struct OverlayStack {
  const LabEnv& env;
  std::string tag;
  int base_mib = 64;

  std::string text(std::size_t on) const {
    const std::string host = env.hosts[on].name;
    return fmt::format(
        "stack: ovl-{0}\nhosts:\n{1}{2}"
        "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
        "volumes:\n  base-{0}: {{hosts: all, pool: p-{0}, format: raw, capacity: {4}MiB}}\n"
        "  top-{0}: {{host: {3}, pool: p-{0}, format: qcow2, backing: base-{0}}}\n"
        "domains:\n  d-{0}:\n    host: {3}\n    vcpus: 1\n    memory: 64MiB\n    state: stopped\n"
        "    virt_type: qemu\n    disks: [{{volume: top-{0}, target: vda}}]\n",
        tag, host_block(env, 0), host_block(env, 1), host, base_mib);
  }
  std::string path(std::size_t i, const std::string& volume) const {
    return trimmed(env.run_in(i, fmt::format("virsh -q vol-path --pool p-{0} {1}-{0}", tag, volume)));
  }
  // What the guest reads: the overlay over its base, all of it.
  std::string disk_sha256(std::size_t i) const {
    return env.run_in(i, fmt::format("qemu-img convert -f qcow2 -O raw {0} /tmp/ovl-{1}.raw && "
                                     "sha256sum < /tmp/ovl-{1}.raw; rm -f /tmp/ovl-{1}.raw",
                                     shell_quote(path(i, "top")), tag));
  }
  bool on(std::size_t i, const std::string& volume) const {
    return has(env.run_in(i, fmt::format("virsh -q vol-list --pool p-{} 2>/dev/null; true", tag)),
               volume + "-" + tag);
  }
  bool defined(std::size_t i) const { return has(env.run_in(i, "virsh -q list --all --name"), "d-" + tag); }

  // Applied on host 0, `mib` MiB of the overlay written (a pattern from
  // 1 MiB on), then declared on host 1. Returns the disk's sha256.
  std::string made_then_moved(const std::string& stack, int mib) const {
    const auto made = run_virtplan("apply --auto-approve -f " + stack);
    INFO(made.output);
    REQUIRE(made.status == 0);
    env.run_in(0, fmt::format("qemu-io -f qcow2 -c 'write -P 0x5a 1M {}M' {} >/dev/null", mib,
                              shell_quote(path(0, "top"))));
    write_stack_at(stack, text(1));
    return disk_sha256(0);
  }

  // Moved to host 1: the same disk there, over host 1's base; the overlay
  // gone from host 0, the base kept there; nothing more planned.
  void check_moved(const std::string& stack, const std::string& sha) const {
    CHECK(defined(1));
    CHECK_FALSE(defined(0));
    CHECK(on(1, "top"));
    CHECK_FALSE(on(0, "top"));
    CHECK(on(0, "base"));
    CHECK(disk_sha256(1) == sha);
    CHECK(has(env.run_in(1, "qemu-img info " + shell_quote(path(1, "top"))),
              "backing file: " + path(1, "base")));
    virtplan::lab::check_plan_empty(stack);
  }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE(
    "an overlay migrates offline over the same base on the new host, one of other bytes refused first") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const OverlayStack o{env, tag_for('O')};
  const std::string stack = write_stack(o.text(0));
  StackCleanup cleanup{env, stack};
  const std::string sha = o.made_then_moved(stack, 8);
  const std::string to = env.hosts[1].name;

  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  REQUIRE(plan.status == 0);
  CHECK(has(plan.output, fmt::format("with domain.d-{0}@{1}, at most 64 MiB of overlay copied, base base-{0} "
                                     "present on {2}",
                                     o.tag, env.hosts[0].name, to)));
  CHECK_FALSE(has(plan.output, "DATA LOSS"));
  CHECK(has(plan.output, "2 to migrate"));

  // The new host's base is not the same bytes: a corrupt disk, refused.
  const std::string base1 = shell_quote(o.path(1, "base"));
  env.run_in(1, "printf 'not-the-base' | dd of=" + base1 + " conv=notrunc status=none");
  const auto refused = run_virtplan("apply --auto-approve -f " + stack);
  INFO(refused.output);
  CHECK(refused.status != 0);
  CHECK(has(refused.output, "corrupt disk"));
  CHECK(has(refused.output, env.hosts[0].name));
  CHECK(has(refused.output, to));
  CHECK(o.defined(0));
  CHECK_FALSE(o.on(1, "top"));

  env.run_in(1, "dd if=/dev/zero bs=12 count=1 of=" + base1 + " conv=notrunc status=none");
  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  o.check_moved(stack, sha);
  // Its own data only: the 8 MiB written, not the 64 MiB of the base.
  const auto bytes = std::stoull(trimmed(env.run_in(1, "stat -c %s " + shell_quote(o.path(1, "top")))));
  CHECK(bytes < 16ull << 20);
  WARN("overlay migration test: " << seconds_since(start) << " s");
}

TEST_CASE("migration fault: an apply killed mid-copy of an overlay, then rerun, moves it with every byte") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const OverlayStack o{env, tag_for('P'), 128};
  const std::string stack = write_stack(o.text(0));
  StackCleanup cleanup{env, stack};
  const std::string sha = o.made_then_moved(stack, 96);
  // Killed once the copy has begun: the overlay is on the new host.
  const auto first = virtplan::lab::apply_killed_once(stack, "/tmp/ovl-first-" + o.tag + ".log",
                                                      [&] { return o.on(1, "top"); });
  INFO("first apply: " << first.output);
  REQUIRE(first.reached);
  CHECK(o.defined(0));
  CHECK_FALSE(o.defined(1));
  CHECK(o.disk_sha256(0) == sha);

  const auto rerun = run_virtplan("apply --auto-approve --lock-wait 60 -f " + stack);
  INFO(rerun.output);
  REQUIRE(rerun.status == 0);
  o.check_moved(stack, sha);
  WARN("overlay kill -9 test: " << seconds_since(start) << " s");
}

TEST_CASE("a UEFI domain migrates offline with its NVRAM file, a marker in its variables kept") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('U');
  const std::string name = "u-" + tag;
  auto text = [&](std::size_t on) {
    return fmt::format(
        "stack: nv-{0}\nhosts:\n{1}{2}"
        "domains:\n  {3}:\n    host: {4}\n    vcpus: 1\n    memory: 128MiB\n    virt_type: qemu\n"
        "    firmware: uefi\n    state: stopped\n",
        tag, host_block(env, 0), host_block(env, 1), name, env.hosts[on].name);
  };
  const std::string stack = write_stack(text(0));
  StackCleanup cleanup{env, stack};
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  // A start makes its NVRAM file from the template; a marker goes into it.
  const std::string nvram = shell_quote("/var/lib/libvirt/qemu/nvram/" + name + "_VARS.fd");
  env.run_in(0, fmt::format("virsh -q start {0} >/dev/null && virsh -q destroy {0} >/dev/null && "
                            "printf 'virtplan-nvram-{1}' | dd of={2} bs=1 seek=4096 conv=notrunc status=none",
                            name, tag, nvram));
  const std::string sha = env.run_in(0, "sha256sum < " + nvram);
  write_stack_at(stack, text(1));

  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  CHECK(has(env.run_in(1, "virsh -q list --all --name"), name));
  CHECK_FALSE(has(env.run_in(0, "virsh -q list --all --name"), name));
  CHECK(env.run_in(1, "sha256sum < " + nvram) == sha);
  CHECK(trimmed(env.run_in(0, "ls " + nvram + " 2>/dev/null; true")).empty());
  virtplan::lab::check_plan_empty(stack);
  WARN("NVRAM migration test: " << seconds_since(start) << " s");
}

TEST_CASE("a running UEFI domain on an overlay migrates live: the top layer copied, its NVRAM file kept") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('V');
  const std::string name = "v-" + tag;
  auto text = [&](std::size_t on) {
    const std::string host = env.hosts[on].name;
    return fmt::format(
        "stack: lv-{0}\nhosts:\n{1}{2}"
        "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
        "volumes:\n  base-{0}: {{hosts: all, pool: p-{0}, format: raw, capacity: 64MiB}}\n"
        "  top-{0}: {{host: {3}, pool: p-{0}, format: qcow2, backing: base-{0}}}\n"
        "domains:\n  {4}:\n    host: {3}\n    vcpus: 1\n    memory: 128MiB\n    virt_type: qemu\n"
        "    firmware: uefi\n    state: {5}\n    disks: [{{volume: top-{0}, target: vda}}]\n",
        tag, host_block(env, 0), host_block(env, 1), host, name, on == 0 ? "stopped" : "running");
  };
  auto top = [&](std::size_t i) {
    return shell_quote(trimmed(env.run_in(i, fmt::format("virsh -q vol-path --pool p-{0} top-{0}", tag))));
  };
  const std::string stack = write_stack(text(0));
  StackCleanup cleanup{env, stack};
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  // A pattern in the overlay; a first start makes its NVRAM file, a marker
  // goes into it, and a second start loads it into QEMU's memory (pflash),
  // where the variables a guest sets are.
  const std::string nvram = shell_quote("/var/lib/libvirt/qemu/nvram/" + name + "_VARS.fd");
  const std::string marker = "virtplan-nvram-" + tag;
  env.run_in(0, fmt::format("qemu-io -f qcow2 -c 'write -P 0x5a 1M 8M' {0} >/dev/null && virsh -q start {1} "
                            ">/dev/null && virsh -q destroy {1} >/dev/null && printf '{2}' | dd of={3} bs=1 "
                            "seek=4096 conv=notrunc status=none && virsh -q start {1} >/dev/null",
                            top(0), name, marker, nvram));
  write_stack_at(stack, text(1));
  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  CHECK(has(plan.output, "live, 64 MiB of disk copied"));
  CHECK(has(plan.output, fmt::format("base base-{} present on {}", tag, env.hosts[1].name)));

  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  CHECK(trimmed(env.run_in(1, "virsh -q domstate " + name)) == "running");
  CHECK_FALSE(has(env.run_in(0, "virsh -q list --all --name"), name));
  CHECK(has(env.run_in(1, "grep -c " + shell_quote(marker) + " " + nvram + "; true"), "1"));
  CHECK(trimmed(env.run_in(0, "ls " + nvram + " 2>/dev/null; true")).empty());
  const std::string read =
      env.run_in(1, "qemu-io -U -r -f qcow2 -c 'read -P 0x5a 1M 8M' " + top(1) + " 2>&1");
  INFO(read);
  CHECK(has(read, "read 8388608/8388608 bytes"));
  CHECK(has(env.run_in(1, "qemu-img info -U " + top(1)), "backing file: "));
  virtplan::lab::check_plan_empty(stack);
  WARN("live overlay and NVRAM migration test: " << seconds_since(start) << " s");
}

namespace {

// An 8 MiB qcow2 image (the tag at its start) this machine serves by URL,
// and a stopped domain on an overlay of it (OverlayStack's names: pool
// p-TAG, volume top-TAG, domain d-TAG) on lab host `on`. Host 1 caches
// images in a directory of its own, so that it lacks the image and the
// overlay's backing path is another there. Its files go at the end.
struct UrlBaseStack {
  const LabEnv& env;
  std::string tag;
  std::string dir = "/tmp/vp-urlbase-" + tag;
  std::string cache1 = "/var/lib/virtplan/cache-" + tag;
  std::string digest = make_image();
  std::string url = {};

  std::string make_image() const {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    here(
        fmt::format("set -e; cd {0}; head -c 8388608 /dev/zero >d.raw; "
                    "printf 'virtplan url base {1}' | dd of=d.raw conv=notrunc status=none; "
                    "qemu-img convert -f raw -O qcow2 d.raw d.qcow2; rm d.raw",
                    shell_quote(dir), tag));
    return here(fmt::format("sha256sum <{}/d.qcow2", shell_quote(dir))).substr(0, 64);
  }
  ~UrlBaseStack() {
    std::filesystem::remove_all(dir);
    try {
      env.run_in(0,
                 fmt::format("rm -f /var/lib/virtplan/cache/sha256-{0}* /var/lib/virtplan/cache/.sha256-{0}*",
                             digest));
      env.run_in(1, "rm -rf " + shell_quote(cache1));
    } catch (...) {
    }
  }

  std::string text(std::size_t on) const {
    return fmt::format(
        "stack: urlbase-{0}\nhosts:\n{1}{2}    image_cache: {3}\n"
        "pools:\n  p-{0}: {{hosts: all, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
        "volumes:\n  top-{0}: {{host: {4}, pool: p-{0}, format: qcow2, backing: {{source: {{url: '{5}', "
        "sha256: {6}}}}}}}\n"
        "domains:\n  d-{0}:\n    host: {4}\n    vcpus: 1\n    memory: 64MiB\n    state: stopped\n"
        "    virt_type: qemu\n    disks: [{{volume: top-{0}, target: vda}}]\n",
        tag, host_block(env, 0), host_block(env, 1), cache1, env.hosts[on].name, url, digest);
  }
  std::string cached(std::size_t i) const {
    return fmt::format("{}/sha256-{}", i == 0 ? "/var/lib/virtplan/cache" : cache1, digest);
  }
  // The sha256 of host i's cached copy; empty when it has none.
  std::string cached_sha256(std::size_t i) const {
    return trimmed(
        env.run_in(i, fmt::format("[ ! -f {0} ] || sha256sum <{0} | cut -d' ' -f1", shell_quote(cached(i)))));
  }
};

}  // namespace

TEST_CASE("an overlay of an image by URL migrates to a host whose cache lacks it, fetched there first") {
  const auto start = std::chrono::steady_clock::now();
  const LabEnv env = require_lab(2);
  UrlBaseStack u{env, tag_for('I')};
  const std::string address = fmt::format("10.231.{}.1", env.hosts[0].index);
  const ImageServer server(u.dir, address);
  u.url = server.url("d.qcow2");
  const OverlayStack o{env, u.tag};
  const std::string stack = write_stack(u.text(0));
  StackCleanup cleanup{env, stack};
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  env.run_in(0, "qemu-io -f qcow2 -c 'write -P 0x3c 1M 2M' " + shell_quote(o.path(0, "top")) + " >/dev/null");
  const std::string sha = o.disk_sha256(0);
  write_stack_at(stack, u.text(1));
  const std::string to = env.hosts[1].name;
  CHECK(u.cached_sha256(0) == u.digest);
  CHECK(u.cached_sha256(1).empty());

  const auto plan = run_virtplan("plan -f " + stack);
  INFO(plan.output);
  CHECK(has(plan.output, fmt::format("base image sha256-{} on {}, fetched there unless cached",
                                     u.digest.substr(0, 12), to)));

  {
    // Host 1 cannot reach the server (connection refused): nothing moves.
    const std::string port = u.url.substr(u.url.rfind(':') + 1, u.url.rfind('/') - u.url.rfind(':') - 1);
    const NftTable cut(env, 1, "ip", "type filter hook output priority 0;",
                       fmt::format("ip daddr {} tcp dport {} reject with tcp reset", address, port));
    const auto refused = run_virtplan("apply --auto-approve -f " + stack);
    INFO(refused.output);
    CHECK(refused.status != 0);
    CHECK(has(refused.output, fmt::format("volume top-{} is an overlay of the image sha256-{} ({})", u.tag,
                                          u.digest, u.url)));
    CHECK(has(refused.output, fmt::format("could not be fetched into {}'s image cache {}", to, u.cache1)));
    CHECK(has(refused.output, "nothing was moved from " + env.hosts[0].name));
    CHECK(o.defined(0));
    CHECK_FALSE(o.defined(1));
    CHECK(o.on(0, "top"));
    CHECK_FALSE(o.on(1, "top"));
    CHECK(u.cached_sha256(1).empty());
    CHECK(o.disk_sha256(0) == sha);
  }

  const auto moved = run_virtplan("apply --auto-approve -f " + stack);
  INFO(moved.output);
  REQUIRE(moved.status == 0);
  CHECK(has(moved.output, "downloading d.qcow2"));
  // The same verified image in host 1's cache, the overlay over it there.
  CHECK(u.cached_sha256(1) == u.digest);
  CHECK(server.gets("d.qcow2") == 2);
  CHECK(o.defined(1));
  CHECK_FALSE(o.defined(0));
  CHECK(o.on(1, "top"));
  CHECK_FALSE(o.on(0, "top"));
  CHECK(o.disk_sha256(1) == sha);
  CHECK(has(env.run_in(1, "qemu-img info -U " + shell_quote(o.path(1, "top"))),
            "backing file: " + u.cached(1)));
  virtplan::lab::check_plan_empty(stack);
  WARN("URL base migration test: " << seconds_since(start) << " s");
}

// Issue 17 items 3 (disk keys) and 4 (disks by path), on TCG domains without
// an OS (64 MiB) on a lab host:
//   - a disk of a dir pool's volume is defined as virt-install defines it,
//     <disk type='file'><source file=PATH/>, and the plan is then empty; the
//     same domain redefined by hand the way an older virtplan wrote it
//     (type='volume') plans empty too, and a domain made by hand by path
//     imports into YAML naming the volume, after which the plan is empty;
//   - the disk keys (cache, io, discard, detect_zeroes, iotune, serial,
//     boot_order) reach the config, the plan is then empty; an I/O limit
//     changes live (blkdeviotune: the same QEMU process, the running disk
//     limited), io takes a restart, as the plan says; a domain made by hand
//     with every key imports and plans empty;
//   - what libvirt 9.0 does with each key on a running domain (the README's
//     table): update-device refuses all but detect_zeroes, which it takes and ignores (the running disk keeps
//     its mode); blkdeviotune changes iotune.

#include "tests/lab/actuator_scratch.h"
#include "tests/lab/hand_made_objects.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using virtplan::lab::apply_stack;
using virtplan::lab::check_plan_empty;
using virtplan::lab::HandMade;
using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::plan_of;
using virtplan::lab::Probe;
using virtplan::lab::require_lab;
using virtplan::lab::StackCleanup;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;

namespace {

// Pool p-TAG (dir), volumes v-TAG and w-TAG, domain d-TAG with `disk` (the
// keys of vda after its volume) and w-TAG as vdb.
std::string disks_stack(const LabEnv& env, const std::string& tag, const std::string& disk,
                        const std::string& state = "running") {
  return fmt::format(
      "stack: dk-{0}\nhosts:\n{1}"
      "pools:\n  p-{0}: {{host: {2}, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
      "volumes:\n  v-{0}: {{host: {2}, pool: p-{0}, format: qcow2, capacity: 16MiB}}\n"
      "  w-{0}: {{host: {2}, pool: p-{0}, format: raw, capacity: 4MiB}}\n"
      // With no OS the domain ignores the ACPI power button: a restart forces it
      // off after a second, not the default minute.
      "domains:\n  d-{0}:\n    host: {2}\n    vcpus: 1\n    memory: 64MiB\n    virt_type: qemu\n"
      "    shutdown_timeout: 1s\n"
      "    state: {4}\n"
      "    disks:\n      - {{volume: v-{0}{3}}}\n      - {{volume: w-{0}}}\n",
      tag, host_block(env, 0), env.hosts[0].name, disk, state);
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Imports the hand-made domain's network, pool and volume into `dir`.
void import_what_it_uses(const LabEnv& env, const HandMade& made, const std::filesystem::path& dir) {
  for (const char* kind : {"network", "pool", "volume"}) {
    const auto errors = dir / "err";
    const auto imported = virtplan::lab::virtplan_stdout(
        "import " + shell_quote(made.address(kind, env)) + " -f " + shell_quote(dir.string()), errors);
    INFO(kind << ":\n" << imported.output << read_all(errors));
    REQUIRE(imported.status == 0);
    std::ofstream(dir / (std::string(kind) + ".yaml")) << imported.output;
  }
}

// Imports `address` into `dir`/domain.yaml; the plan of `dir` is then empty.
std::string import_and_plan(const std::string& address, const std::filesystem::path& dir) {
  const auto errors = dir / "domain.err";
  const auto imported = virtplan::lab::virtplan_stdout(
      "import " + shell_quote(address) + " -f " + shell_quote(dir.string()), errors);
  INFO("stdout:\n" << imported.output << "stderr:\n" << read_all(errors));
  REQUIRE(imported.status == 0);
  std::ofstream(dir / "domain.yaml") << imported.output;
  std::filesystem::remove(errors);
  check_plan_empty(dir.string());
  return imported.output;
}

}  // namespace

TEST_CASE(
    "disks by path: a dir pool's volume is defined as type='file' by its path, and either form, ours or an "
    "older virtplan's, plans empty") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('k');
  const std::string text = disks_stack(env, tag, "", "stopped");
  const std::string stack = write_stack(text);
  StackCleanup cleanup{env, stack};
  apply_stack(stack, text);
  Probe probe{env, "d-" + tag};
  const std::string path = fmt::format("/var/lib/virtplan/p-{0}/v-{0}", tag);
  CHECK(probe.config("//disk[target/@dev='vda']/@type") == "file");
  CHECK(probe.config("//disk[target/@dev='vda']/source/@file") == path);
  CHECK(probe.config("//disk[target/@dev='vdb']/@type") == "file");
  check_plan_empty(stack);

  // As an older virtplan defined it: by pool and volume.
  env.run_in(0, fmt::format("virsh -q dumpxml --inactive --security-info d-{0} | "
                            "sed \"s|<disk type='file' device='disk'>|<disk type='volume' device='disk'>|; "
                            "s|<source file='/var/lib/virtplan/p-{0}/\\([vw]-{0}\\)'/>|<source pool='p-{0}' "
                            "volume='\\1'/>|\" > /tmp/d-{0}.xml && virsh -q define /tmp/d-{0}.xml >/dev/null",
                            tag));
  REQUIRE(probe.config("//disk[target/@dev='vda']/@type") == "volume");
  check_plan_empty(stack);

  // A change of the disk itself: the domain keeps one vda, and its source as
  // it was (it names the volume already).
  apply_stack(stack, disks_stack(env, tag, ", cache: writeback", "stopped"));
  CHECK(probe.config("count(//disk[target/@dev='vda'])") == "1");
  CHECK(probe.config("//disk[target/@dev='vda']/driver/@cache") == "writeback");
  CHECK(probe.config("//disk[target/@dev='vda']/source/@volume") == fmt::format("v-{}", tag));
  check_plan_empty(stack);
}

TEST_CASE(
    "disks by path: a domain made by hand by its disk's path imports naming the volume, and plans empty") {
  const LabEnv env = require_lab(1);
  const HandMade made(fmt::format("b{}", getpid() % 100000));
  made.remove(env);
  made.create(env);
  // As virt-install makes it: the disk by its path.
  env.run_in(0,
             fmt::format("virsh -q dumpxml --inactive {0} | "
                         "sed \"s|<disk type='volume' device='disk'>|<disk type='file' device='disk'>|; "
                         "s|<source pool='{1}' volume='{2}'/>|<source file='/var/lib/virtplan/{1}/{2}'/>|\" "
                         "> /tmp/{0}.xml && virsh -q define /tmp/{0}.xml >/dev/null",
                         made.domain, made.pool, made.volume));
  Probe probe{env, made.domain};
  REQUIRE(probe.config("//disk/@type") == "file");
  const std::string stack = "ibp-" + made.tag;
  const auto dir = HandMade::stack_dir(env, stack);
  import_what_it_uses(env, made, dir);
  const std::string yaml = import_and_plan(made.address("domain", env), dir);
  CHECK(has(yaml, "volume: " + made.volume));
  CHECK(has(yaml, "pool: " + made.pool));
  made.remove(env);
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "disk keys: apply defines cache, io, discard, detect_zeroes, iotune, serial and boot order, the plan is then "
    "empty, an I/O limit changes live and io with a restart, as planned") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('q');
  auto keys = [](const std::string& iotune, const std::string& io) {
    return fmt::format(
        ", cache: none, io: {}, discard: unmap, detect_zeroes: unmap, iotune: {{{}}}, "
        "serial: VP-{}, boot_order: 1",
        io, iotune, "0001");
  };
  const std::string text = disks_stack(env, tag, keys("total_bytes_sec: 1048576", "native"));
  const std::string stack = write_stack(text);
  StackCleanup cleanup{env, stack};
  apply_stack(stack, text);
  check_plan_empty(stack);
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");
  const std::string vda = "//disk[target/@dev='vda']";
  CHECK(probe.config(vda + "/driver/@cache") == "none");
  CHECK(probe.config(vda + "/driver/@io") == "native");
  CHECK(probe.config(vda + "/driver/@discard") == "unmap");
  CHECK(probe.config(vda + "/driver/@detect_zeroes") == "unmap");
  CHECK(probe.config(vda + "/iotune/total_bytes_sec") == "1048576");
  CHECK(probe.config(vda + "/serial") == "VP-0001");
  CHECK(probe.config(vda + "/boot/@order") == "1");
  CHECK(probe.config("count(/domain/os/boot)") == "0");
  CHECK(probe.live(vda + "/iotune/total_bytes_sec") == "1048576");
  const std::string pid = probe.pid();

  SECTION("an I/O limit: live, the same QEMU process") {
    const std::string changed =
        disks_stack(env, tag, keys("read_bytes_sec: 2097152, write_iops_sec: 300", "native"));
    CHECK(has(plan_of(stack, changed), "(1 live, 0 restart)"));
    apply_stack(stack, changed);
    check_plan_empty(stack);
    CHECK(probe.pid() == pid);
    CHECK(probe.live(vda + "/iotune/read_bytes_sec") == "2097152");
    CHECK(probe.live(vda + "/iotune/write_iops_sec") == "300");
    CHECK(probe.live("count(" + vda + "/iotune/total_bytes_sec)") == "0");
    CHECK(probe.config(vda + "/iotune/read_bytes_sec") == "2097152");
    CHECK(has(probe.virsh("blkdeviotune d-" + tag + " vda"), "read_bytes_sec : 2097152"));
  }

  SECTION("io: a restart") {
    const std::string changed = disks_stack(env, tag, keys("total_bytes_sec: 1048576", "threads"));
    CHECK(has(plan_of(stack, changed), "(0 live, 1 restart)"));
    apply_stack(stack, changed);
    check_plan_empty(stack);
    CHECK(probe.pid() != pid);
    CHECK(probe.live(vda + "/driver/@io") == "threads");
  }

  SECTION("a stack without the keys keeps them") {
    // (cache is managed as before: absent is libvirt's default, which io native refuses.)
    apply_stack(stack, disks_stack(env, tag, ", cache: none"));
    check_plan_empty(stack);
    CHECK(probe.pid() == pid);
    CHECK(probe.config(vda + "/driver/@io") == "native");
    CHECK(probe.config(vda + "/serial") == "VP-0001");
  }
}

TEST_CASE("disk keys: a domain made by hand with every key imports into YAML after which the plan is empty") {
  const LabEnv env = require_lab(1);
  const HandMade made(fmt::format("t{}", getpid() % 100000));
  made.remove(env);
  made.create(env);
  env.run_in(
      0, fmt::format(
             "virsh -q dumpxml --inactive {0} | sed \"s|<driver name='qemu' type='qcow2'/>|<driver "
             "name='qemu' type='qcow2' cache='directsync' io='threads' discard='ignore' detect_zeroes='on'/>"
             "<iotune><write_bytes_sec>5000000</write_bytes_sec><total_iops_sec>80</total_iops_sec>"
             "</iotune><serial>HAND 1</serial><boot order='1'/>|; /<boot dev=/d\" > /tmp/{0}.xml && "
             "virsh -q define /tmp/{0}.xml >/dev/null",
             made.domain));
  Probe probe{env, made.domain};
  REQUIRE(probe.config("//disk/serial") == "HAND 1");
  const std::string stack = "ikd-" + made.tag;
  const auto dir = HandMade::stack_dir(env, stack);
  import_what_it_uses(env, made, dir);
  const std::string yaml = import_and_plan(made.address("domain", env), dir);
  for (const char* line :
       {"cache: directsync", "io: threads", "discard: ignore", "detect_zeroes:", "write_bytes_sec: 5000000",
        "total_iops_sec: 80", "serial: HAND 1", "boot_order: 1"}) {
    INFO(line);
    CHECK(has(yaml, line));
  }
  made.remove(env);
  std::filesystem::remove_all(dir);
}

TEST_CASE(
    "disk keys on libvirt 9.0: update-device refuses to change any of them on a running disk or ignores it, "
    "blkdeviotune changes the I/O limits") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('u');
  const std::string text = disks_stack(env, tag, ", cache: none, io: native, serial: A1");
  const std::string stack = write_stack(text);
  StackCleanup cleanup{env, stack};
  apply_stack(stack, text);
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");
  // Each: the running vda's XML with one thing changed, sent to update-device.
  // xmllint prints attributes in double quotes.
  const std::string target = "<target dev=\\\"vda\\\" bus=\\\"virtio\\\"/>";
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"cache", "s|cache=\\\"none\\\"|cache=\\\"directsync\\\"|"},
      {"io", "s|io=\\\"native\\\"|io=\\\"threads\\\"|"},
      {"discard", "s|<driver name=\\\"qemu\\\"|<driver name=\\\"qemu\\\" discard=\\\"unmap\\\"|"},
      {"detect_zeroes", "s|<driver name=\\\"qemu\\\"|<driver name=\\\"qemu\\\" detect_zeroes=\\\"on\\\"|"},
      {"serial", "s|<serial>A1</serial>|<serial>B2</serial>|"},
      {"boot order", "s|" + target + "|" + target + "<boot order=\\\"2\\\"/>|"},
      {"readonly", "s|" + target + "|" + target + "<readonly/>|"},
      {"shareable", "s|" + target + "|" + target + "<shareable/>|"},
  };
  for (const auto& [what, sed] : edits) {
    INFO(what);
    const std::string out = env.run_in(
        0,
        fmt::format(
            "virsh -q dumpxml d-{0} | xmllint --xpath \"//disk[target/@dev='vda']\" - > /tmp/vda0-{0}.xml; "
            "sed \"{1}\" /tmp/vda0-{0}.xml > /tmp/vda-{0}.xml; cmp -s /tmp/vda0-{0}.xml /tmp/vda-{0}.xml && "
            "echo unchanged; virsh -q update-device d-{0} /tmp/vda-{0}.xml --live 2>&1; echo rc=$?",
            tag, sed));
    WARN(what << ": " << out);
    CHECK_FALSE(has(out, "unchanged"));  // the edit took
    // update-device takes a detect_zeroes change without a word, and the
    // running disk keeps its old mode (below): no live way either.
    CHECK(has(out, what == "detect_zeroes" ? "rc=0" : "rc=1"));
  }
  CHECK(probe.live("//disk[target/@dev='vda']/driver/@detect_zeroes") == "");
  CHECK(probe.virsh(fmt::format("qemu-monitor-command d-{} --hmp info block", tag)).find("Detect zeroes") ==
        std::string::npos);
  const std::string tuned = env.run_in(
      0, fmt::format("virsh -q blkdeviotune d-{0} vda --live --total-iops-sec 90 2>&1; echo rc=$?", tag));
  CHECK(has(tuned, "rc=0"));
  CHECK(probe.live("//disk[target/@dev='vda']/iotune/total_iops_sec") == "90");
}

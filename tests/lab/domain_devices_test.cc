// Issue 17 item 3: the consoles and small devices people run as typed stack
// keys (kvm/domain_devices.h), on TCG domains without an OS (64 MiB) on a lab
// host: apply defines them and dumpxml shows each; the plan is then empty; a
// console password change is live (update-device: same QEMU pid), masked in
// the plan; a listen address change restarts the domain (libvirt 9.0 refuses
// it live). A domain made by hand with all of them imports into YAML after
// which the plan is empty, and a stack that leaves the keys out keeps every
// device through an apply that changes its memory.

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

std::string devices_stack(const LabEnv& env, const std::string& tag, const std::string& listen,
                          const std::string& password) {
  return fmt::format(
      "stack: dv-{0}\nhosts:\n{1}"
      // With no OS the domain ignores the ACPI power button: a restart forces it
      // off after a second, not the default minute.
      "domains:\n  d-{0}:\n    host: {2}\n    vcpus: 1\n    memory: 64MiB\n    virt_type: qemu\n"
      "    shutdown_timeout: 1s\n"
      "    graphics: {{type: vnc, listen: {3}, password: {4}}}\n"
      "    video: virtio\n"
      "    serial: {{log: /var/log/libvirt/d-{0}-serial.log}}\n"
      "    tablet: true\n"
      "    channels: [qemu-guest-agent]\n"
      "    tpm: true\n"
      "    rng: true\n"
      "    watchdog: {{model: i6300esb, action: poweroff}}\n"
      "    memballoon: virtio\n"
      "    usb_controller: qemu-xhci\n",
      tag, host_block(env, 0), env.hosts[0].name, listen, password);
}

}  // namespace

TEST_CASE(
    "device keys: apply defines graphics, video, serial log, tablet, guest agent, TPM, RNG, watchdog, balloon "
    "and USB controller, the plan is then empty, a console password changes live and its listen address with "
    "a restart") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('v');
  const std::string stack = write_stack(devices_stack(env, tag, "127.0.0.1", "pw1"));
  StackCleanup cleanup{env, stack};
  apply_stack(stack, devices_stack(env, tag, "127.0.0.1", "pw1"));
  Probe probe{env, "d-" + tag};
  REQUIRE(probe.state() == "running");

  CHECK(probe.config("//graphics/@type") == "vnc");
  CHECK(probe.config("//graphics/listen/@address") == "127.0.0.1");
  CHECK(probe.config("//video/model/@type") == "virtio");
  CHECK(probe.config("//serial/log/@file") == fmt::format("/var/log/libvirt/d-{}-serial.log", tag));
  CHECK(probe.config("//input[@type='tablet']/@bus") == "usb");
  CHECK(probe.config("//channel/target/@name") == "org.qemu.guest_agent.0");
  CHECK(probe.config("//tpm/@model") == "tpm-crb");
  CHECK(probe.config("//tpm/backend/@version") == "2.0");
  CHECK(probe.config("//rng/backend") == "/dev/urandom");
  CHECK(probe.config("//watchdog/@action") == "poweroff");
  CHECK(probe.config("//memballoon/@model") == "virtio");
  CHECK(probe.config("//controller[@type='usb']/@model") == "qemu-xhci");
  // The serial log is a file on the host, written by virtlogd.
  CHECK(env.run_in(0, fmt::format("test -f /var/log/libvirt/d-{}-serial.log && echo yes", tag)) == "yes\n");
  const std::string secure = "dumpxml --security-info d-" + tag;
  CHECK(has(probe.virsh(secure), "passwd='pw1'"));
  CHECK(has(probe.virsh("dumpxml --inactive --security-info d-" + tag), "passwd='pw1'"));
  const std::string pid = probe.pid();

  SECTION("the password: live, masked in the plan, same QEMU process") {
    const std::string changed = devices_stack(env, tag, "127.0.0.1", "pw2");
    const std::string plan = plan_of(stack, changed);
    CHECK(has(plan, "(1 live, 0 restart)"));
    CHECK(has(plan, "(sensitive)"));
    CHECK_FALSE(has(plan, "pw1"));
    CHECK_FALSE(has(plan, "pw2"));
    const std::string applied = apply_stack(stack, changed);
    CHECK_FALSE(has(applied, "pw2"));
    CHECK(probe.pid() == pid);
    CHECK(has(probe.virsh(secure), "passwd='pw2'"));
    CHECK(has(probe.virsh("dumpxml --inactive --security-info d-" + tag), "passwd='pw2'"));
  }

  SECTION("the listen address: a restart") {
    const std::string changed = devices_stack(env, tag, "0.0.0.0", "pw1");
    CHECK(has(plan_of(stack, changed), "(0 live, 1 restart)"));
    apply_stack(stack, changed);
    CHECK(probe.pid() != pid);
    CHECK(probe.live("//graphics/listen/@address") == "0.0.0.0");
    CHECK(has(probe.virsh(secure), "passwd='pw1'"));
  }
}

TEST_CASE(
    "device keys: a domain made by hand with consoles and devices imports into YAML after which the plan is "
    "empty, and a stack without the keys keeps every device through a memory change") {
  const LabEnv env = require_lab(1);
  const HandMade made(fmt::format("w{}", getpid() % 100000));
  made.remove(env);
  const std::string xml = fmt::format(
      "<domain type='qemu'><name>{}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
      "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
      "<graphics type='spice' autoport='yes' passwd='spice-secret-1'><listen type='address' address='127.0.0.1'/>"
      "</graphics><video><model type='qxl'/></video>"
      "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"
      "<input type='tablet' bus='usb'/><tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>"
      "<rng model='virtio'><backend model='random'>/dev/random</backend></rng>"
      "<watchdog model='i6300esb' action='pause'/><serial type='pty'/></devices></domain>",
      made.domain);
  const auto dir = HandMade::stack_dir(env, "imd-" + made.tag);
  virtplan::lab::import_hand_made_domain(
      env, made, xml, dir,
      {"graphics:", "type: spice", "password: spice-secret-1", "video: qxl", "tablet: true",
       "- spice-vdagent", "model: tpm-tis", "backend: /dev/random", "action: pause"});

  // The same domain in a stack that declares none of the device keys.
  std::ofstream(dir / "domain.yaml") << fmt::format(
      "domains:\n  {}:\n    host: {}\n    memory: 96MiB\n    virt_type: qemu\n    state: stopped\n",
      made.domain, env.hosts[0].name);
  const auto applied = run_virtplan("apply --auto-approve -f " + shell_quote(dir.string()));
  INFO(applied.output);
  CHECK(applied.status == 0);
  Probe probe{env, made.domain};
  CHECK(probe.config("//memory") == "98304");
  CHECK(probe.config("//graphics/@type") == "spice");
  CHECK(probe.config("//video/model/@type") == "qxl");
  CHECK(probe.config("//channel/target/@name") == "com.redhat.spice.0");
  CHECK(probe.config("//tpm/@model") == "tpm-tis");
  CHECK(probe.config("//rng/backend") == "/dev/random");
  CHECK(probe.config("//watchdog/@action") == "pause");
  CHECK(probe.config("//input[@type='tablet']/@bus") == "usb");
  virtplan::lab::check_plan_empty(dir);
  made.remove(env);
  std::filesystem::remove_all(dir);
}

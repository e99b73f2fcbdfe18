// DomainActuator against a scripted virsh: the exact subcommands for each
// create, update and destroy case, in order, and the messages of failures.

#include "kvm/domain_actuator.h"
#include "kvm/domain_field_rules.h"
#include "kvm/domain_kind.h"
#include "providers/xml/document.h"
#include "tests/kvm/domain_test_support.h"
#include "tests/providers/fake_virsh_host.h"

#include <catch2/catch.hpp>

using namespace virtplan;
using nlohmann::json;
using providers::ActuatorStep;
using providers::FieldChange;
using providers::StackObject;
using providers::test::FakeVirshHost;
using Lines = std::vector<std::string>;

namespace {

constexpr const char* k_base = R"(
vcpus: {current: 1, max: 2}
memory: 128MiB
virt_type: qemu
)";

const char* const k_kvm_caps = R"(<capabilities><guest><os_type>hvm</os_type><arch name='x86_64'>
<domain type='qemu'/><domain type='kvm'/></arch></guest></capabilities>)";
const char* const k_tcg_caps = R"(<capabilities><guest><os_type>hvm</os_type><arch name='x86_64'>
<domain type='qemu'/></arch></guest></capabilities>)";

StackObject domain(const std::string& yaml) { return kvm::test::valid_domain(yaml); }

std::string xml_of(const StackObject& object) { return kvm::test::created_xml(object); }

FieldChange field(const std::string& path, json before, json after) {
  auto impact = kvm::domain_field_rules().impact(path, before, after);
  return FieldChange{path, std::move(before), std::move(after), impact};
}

// An update step from `before` (what the host holds, defined from its create
// XML) to `after`, with the given changed fields.
ActuatorStep update_step(const StackObject& after, const StackObject& before,
                         std::vector<FieldChange> fields) {
  ActuatorStep step;
  step.desired = after;
  step.before = before.spec;
  step.fields = std::move(fields);
  return step;
}

kvm::DomainTiming quick() {
  kvm::DomainTiming timing;
  timing.shutdown_timeout = std::chrono::milliseconds(0);
  timing.detach_timeout = std::chrono::milliseconds(0);
  timing.poll_interval = std::chrono::milliseconds(1);
  return timing;
}

}  // namespace

TEST_CASE("domain create: define, autostart, start", "[actuator]") {
  FakeVirshHost host;
  StackObject web = domain(std::string(k_base) + "autostart: true\n");
  auto done = kvm::DomainActuator().create(ActuatorStep{web, nullptr, {}, {}}, host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"define /dev/stdin", "autostart --domain web", "start --domain web"});
  CHECK(host.stdin_of("define /dev/stdin") == xml_of(web));
  CHECK(host.stdin_of("define /dev/stdin").find("<vp:owner") != std::string::npos);
  CHECK(done->warnings.empty());
}

TEST_CASE("domain create: virt_type auto is kvm when the host offers it, else qemu", "[actuator]") {
  for (auto [caps, type] : {std::pair{k_kvm_caps, "kvm"}, std::pair{k_tcg_caps, "qemu"}}) {
    FakeVirshHost host;
    host.on("capabilities", caps);
    StackObject web = domain("vcpus: 1\nmemory: 64MiB\nstate: stopped\n");
    REQUIRE(web.spec.at("virt_type") == "auto");
    REQUIRE(kvm::DomainActuator().create(ActuatorStep{web, nullptr, {}, {}}, host.session()));
    CHECK(host.ran() == Lines{"capabilities", "define /dev/stdin"});
    auto defined = providers::XmlDocument::parse(host.stdin_of("define /dev/stdin"));
    REQUIRE(defined);
    CHECK(defined->root().attr("type") == type);
  }
}

TEST_CASE("domain create: a dir pool's volumes by path, its XML read once per session, no vol-path",
          "[actuator]") {
  FakeVirshHost host;
  host.on("pool-dumpxml --pool p",
          "<pool type='dir'><name>p</name><target><path>/var/lib/p/</path></target></pool>");
  StackObject web = domain(std::string(k_base) +
                           "state: stopped\ndisks:\n  - {volume: a, pool: p, target: vda, bus: virtio}\n");
  for (int create = 0; create < 2; ++create)
    REQUIRE(kvm::DomainActuator().create(ActuatorStep{web, nullptr, {}, {}}, host.session()));
  CHECK(host.ran() == Lines{"pool-dumpxml --pool p", "define /dev/stdin", "define /dev/stdin"});
  auto defined = providers::XmlDocument::parse(host.stdin_of("define /dev/stdin"));
  REQUIRE(defined);
  auto paths = defined->root().xpath_strings("/domain/devices/disk[@type='file']/source/@file");
  REQUIRE(paths);
  CHECK(*paths == std::vector<std::string>{"/var/lib/p/a"});
}

TEST_CASE("domain create: paused starts paused, stopped is only defined", "[actuator]") {
  FakeVirshHost paused_host;
  REQUIRE(kvm::DomainActuator().create(
      ActuatorStep{domain(std::string(k_base) + "state: paused\n"), nullptr, {}, {}}, paused_host.session()));
  CHECK(paused_host.ran() == Lines{"define /dev/stdin", "start --domain web --paused"});
  FakeVirshHost stopped_host;
  REQUIRE(kvm::DomainActuator().create(
      ActuatorStep{domain(std::string(k_base) + "state: stopped\n"), nullptr, {}, {}},
      stopped_host.session()));
  CHECK(stopped_host.ran() == Lines{"define /dev/stdin"});
}

TEST_CASE("domain create: a failed start says the domain is defined, not started", "[actuator]") {
  FakeVirshHost host;
  host.fail("start --domain web", "error: Failed to start domain 'web'\nerror: internal error: qemu died\n");
  host.on("domstate --domain web", "shut off\n");
  auto done = kvm::DomainActuator().create(ActuatorStep{domain(k_base), nullptr, {}, {}}, host.session());
  REQUIRE_FALSE(done);
  CHECK(done.error().message() ==
        "domain.web@lab1: virsh start failed: Failed to start domain 'web': internal error: qemu died "
        "(defined, not started)");
  CHECK(host.ran() == Lines{"define /dev/stdin", "start --domain web", "domstate --domain web"});
}

TEST_CASE("domain update: memory and vCPUs of a running domain change live and in the config", "[actuator]") {
  FakeVirshHost host;
  StackObject before = domain(k_base);
  StackObject after =
      domain("vcpus: {current: 2, max: 2}\nmemory: {current: 96MiB, max: 128MiB}\nvirt_type: qemu\n");
  host.on("domstate --domain web", "running\n");
  host.then("dumpxml --inactive --security-info --domain web", xml_of(before));
  host.then("dumpxml --inactive --security-info --domain web", xml_of(after));
  auto step = update_step(after, before,
                          {field("/memory/current", 134217728, 100663296), field("/vcpus/current", 1, 2)});
  auto done = kvm::DomainActuator(quick()).update(step, host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "define /dev/stdin", "dumpxml --inactive --security-info --domain web",
                            "setvcpus --domain web --count 2 --live",
                            "setmem --domain web --size 98304 --live"});
  CHECK(done->warnings.empty());
}

TEST_CASE("domain update: restart-class changes restart a running domain once", "[actuator]") {
  FakeVirshHost host;
  StackObject before = domain(k_base);
  StackObject after =
      domain("vcpus: {current: 1, max: 4}\nmemory: {current: 128MiB, max: 256MiB}\nvirt_type: qemu\n");
  host.then("domstate --domain web", "running\n");
  host.then("domstate --domain web", "running\n");
  host.on("domstate --domain web", "shut off\n");
  host.on("dumpxml --inactive --security-info --domain web", xml_of(before));
  auto step =
      update_step(after, before, {field("/memory/max", 134217728, 268435456), field("/vcpus/max", 2, 4)});
  kvm::DomainTiming timing = quick();
  timing.shutdown_timeout = std::chrono::seconds(5);
  auto done = kvm::DomainActuator(timing).update(step, host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "define /dev/stdin", "shutdown --domain web", "domstate --domain web",
                            "domstate --domain web", "start --domain web"});
  auto defined = kvm::DomainKind().parse_xml(host.stdin_of("define /dev/stdin"));
  REQUIRE(defined);
  CHECK(defined->at("vcpus") == json{{"current", 1}, {"max", 4}});
  CHECK(done->warnings.empty());
}

TEST_CASE("domain update: a guest that ignores shutdown is forced off after the timeout", "[actuator]") {
  FakeVirshHost host;
  StackObject before = domain(k_base);
  StackObject after = domain("vcpus: {current: 1, max: 4}\nmemory: 128MiB\nvirt_type: qemu\n");
  host.on("domstate --domain web", "running\n");
  host.on("dumpxml --inactive --security-info --domain web", xml_of(before));
  auto done = kvm::DomainActuator(quick()).update(update_step(after, before, {field("/vcpus/max", 2, 4)}),
                                                  host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "define /dev/stdin", "shutdown --domain web", "domstate --domain web",
                            "destroy --domain web", "start --domain web"});
  REQUIRE(done->warnings.size() == 1);
  CHECK(done->warnings[0] == "restarted: the guest did not shut down within 0 s and was forced off");
}

TEST_CASE("domain update: restart never keeps restart-class changes out and warns", "[actuator]") {
  FakeVirshHost host;
  StackObject before = domain(std::string(k_base) + "restart: never\n");
  StackObject after =
      domain("vcpus: {current: 2, max: 4}\nmemory: 128MiB\nvirt_type: qemu\nrestart: never\n");
  host.on("domstate --domain web", "running\n");
  host.on("dumpxml --inactive --security-info --domain web", xml_of(before));
  auto step = update_step(after, before, {field("/vcpus/current", 1, 2), field("/vcpus/max", 2, 4)});
  auto done = kvm::DomainActuator(quick()).update(step, host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "define /dev/stdin", "dumpxml --inactive --security-info --domain web",
                            "setvcpus --domain web --count 2 --live"});
  // The config keeps the old maximum; the live current count is written.
  auto defined = kvm::DomainKind().parse_xml(host.stdin_of("define /dev/stdin"));
  REQUIRE(defined);
  CHECK(defined->at("vcpus") == json{{"current", 2}, {"max", 2}});
  CHECK(done->warnings == Lines{"restart pending (restart: never)"});
}

TEST_CASE("domain update: power state both ways", "[actuator]") {
  struct Case {
    const char* now;
    const char* want;
    Lines then;
  };
  for (const Case& c : {Case{"shut off", "running", {"start --domain web"}},
                        Case{"shut off", "paused", {"start --domain web --paused"}},
                        Case{"running", "paused", {"suspend --domain web"}},
                        Case{"paused", "running", {"resume --domain web"}},
                        Case{"running", "stopped", {"shutdown --domain web", "domstate --domain web"}},
                        Case{"paused",
                             "stopped",
                             {"resume --domain web", "shutdown --domain web", "domstate --domain web"}}}) {
    INFO(c.now << " -> " << c.want);
    FakeVirshHost host;
    StackObject before = domain(k_base);
    StackObject after = domain(std::string(k_base) + "state: " + c.want + "\n");
    host.then("domstate --domain web", std::string(c.now) + "\n");
    host.on("domstate --domain web", "shut off\n");
    host.on("dumpxml --inactive --security-info --domain web", xml_of(before));
    auto done = kvm::DomainActuator(quick()).update(
        update_step(after, before, {field("/state", "x", c.want)}), host.session());
    REQUIRE(done);
    Lines expected{"domstate --domain web", "dumpxml --inactive --security-info --domain web"};
    expected.insert(expected.end(), c.then.begin(), c.then.end());
    CHECK(host.ran() == expected);
  }
}

// A rerun after an apply killed while libvirtd was starting its domains reads
// them as paused (QEMU starting up) and plans a resume; by the time it runs,
// libvirtd has finished the start. Reaching the state asked for is the step's
// goal, so a command that fails because the domain got there anyway is done;
// one that fails with the domain elsewhere is still the command's failure.
TEST_CASE("domain update: a resume, suspend or start refused because the domain got there meanwhile is done",
          "[actuator]") {
  struct Case {
    const char* now;
    const char* want;
    const char* command;
    const char* refusal;
    const char* after;
  };
  for (
      const Case& c :
      {Case{
           "paused", "running", "resume --domain web",
           "error: Failed to resume domain 'web'\nerror: Requested operation is not valid: domain is already "
           "running (not resumed)\n",
           "running\n"},
       Case{"running", "paused", "suspend --domain web",
            "error: Failed to suspend domain 'web'\nerror: Requested operation is not valid: domain is "
            "already paused\n",
            "paused\n"},
       Case{"shut off", "running", "start --domain web",
            "error: Failed to start domain 'web'\nerror: Requested operation is not valid: domain is "
            "already active\n",
            "running\n"}}) {
    INFO(c.now << " -> " << c.want);
    FakeVirshHost host;
    StackObject before = domain(k_base);
    StackObject after = domain(std::string(k_base) + "state: " + c.want + "\n");
    host.then("domstate --domain web", std::string(c.now) + "\n");
    host.on("domstate --domain web", c.after);
    host.on("dumpxml --inactive --security-info --domain web", xml_of(before));
    host.fail(c.command, c.refusal);
    auto done = kvm::DomainActuator(quick()).update(
        update_step(after, before, {field("/state", "x", c.want)}), host.session());
    REQUIRE(done);
    CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                              c.command, "domstate --domain web"});
  }
}

TEST_CASE("domain update: a resume refused while the domain is still paused fails, saying what virsh said",
          "[actuator]") {
  FakeVirshHost host;
  StackObject before = domain(k_base);
  StackObject after = domain(std::string(k_base) + "state: running\n");
  host.on("domstate --domain web", "paused\n");
  host.on("dumpxml --inactive --security-info --domain web", xml_of(before));
  host.fail("resume --domain web", "error: Failed to resume domain 'web'\nerror: internal error: no\n");
  auto done = kvm::DomainActuator(quick()).update(
      update_step(after, before, {field("/state", "paused", "running")}), host.session());
  REQUIRE_FALSE(done);
  CHECK(
      done.error().message() ==
      "domain.web@lab1: virsh resume failed: Failed to resume domain 'web': internal error: no (not resumed)");
}

TEST_CASE("domain create: a start refused because the domain is already running is done", "[actuator]") {
  FakeVirshHost host;
  host.fail("start --domain web",
            "error: Failed to start domain 'web'\nerror: Requested operation is not valid: domain is already "
            "active\n");
  host.on("domstate --domain web", "running\n");
  auto done = kvm::DomainActuator().create(ActuatorStep{domain(k_base), nullptr, {}, {}}, host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"define /dev/stdin", "start --domain web", "domstate --domain web"});
}

TEST_CASE("domain update: autostart off, without a redefine", "[actuator]") {
  FakeVirshHost host;
  StackObject before = domain(std::string(k_base) + "autostart: true\n");
  StackObject after = domain(std::string(k_base) + "autostart: false\n");
  host.on("domstate --domain web", "running\n");
  host.on("dumpxml --inactive --security-info --domain web", xml_of(before));
  REQUIRE(kvm::DomainActuator(quick()).update(update_step(after, before, {field("/autostart", true, false)}),
                                              host.session()));
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "autostart --domain web --disable"});
}

TEST_CASE("domain update: a disk attached and one detached live, by target", "[actuator]") {
  FakeVirshHost host;
  const std::string disks = "disks:\n  - {volume: a, pool: p, target: sda, bus: scsi}\n";
  StackObject before =
      domain(std::string(k_base) + disks + "  - {volume: b, pool: p, target: sdb, bus: scsi}\n");
  StackObject after =
      domain(std::string(k_base) + disks + "  - {volume: c, pool: p, target: sdc, bus: scsi}\n");
  host.on("domstate --domain web", "running\n");
  host.then("dumpxml --inactive --security-info --domain web", xml_of(before));
  host.then("dumpxml --inactive --security-info --domain web", xml_of(after));
  host.then("dumpxml --domain web", xml_of(before));                               // before detaching
  host.then("dumpxml --domain web", xml_of(domain(std::string(k_base) + disks)));  // sdb gone
  host.then("dumpxml --domain web", xml_of(domain(std::string(k_base) + disks)));  // before attaching
  host.then("dumpxml --domain web", xml_of(after));                                // sdc there
  auto step = update_step(after, before,
                          {field("/disks/sdb", before.spec["disks"]["sdb"], nullptr),
                           field("/disks/sdc", nullptr, after.spec["disks"]["sdc"])});
  REQUIRE(step.fields[0].impact == providers::Impact::live);
  auto done = kvm::DomainActuator(quick()).update(step, host.session());
  REQUIRE(done);
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "dumpxml --domain web", "detach-device --domain web --file /dev/stdin --live",
                            "dumpxml --domain web",
                            // How the disks name their volumes (kvm/disk_sources.h): a disk
                            // changed. The pool's XML, once (the fake's says no type: by volume).
                            "pool-dumpxml --pool p", "define /dev/stdin",
                            "dumpxml --inactive --security-info --domain web", "dumpxml --domain web",
                            "attach-device --domain web --file /dev/stdin --live", "dumpxml --domain web"});
  CHECK(host.stdin_of("detach-device --domain web --file /dev/stdin --live").find("dev=\"sdb\"") !=
        std::string::npos);
  CHECK(host.stdin_of("attach-device --domain web --file /dev/stdin --live").find("dev=\"sdc\"") !=
        std::string::npos);
  CHECK(done->warnings.empty());
}

TEST_CASE("domain update: a device the guest does not release stays in the config", "[actuator]") {
  FakeVirshHost host;
  const std::string disks = "disks:\n  - {volume: a, pool: p, target: vda, bus: virtio}\n";
  StackObject before =
      domain(std::string(k_base) + disks + "  - {volume: b, pool: p, target: vdb, bus: virtio}\n");
  StackObject after = domain(std::string(k_base) + disks);
  host.on("domstate --domain web", "running\n");
  host.on("dumpxml --inactive --security-info --domain web", xml_of(before));
  host.on("dumpxml --domain web", xml_of(before));  // the guest keeps vdb
  auto step = update_step(after, before, {field("/disks/vdb", before.spec["disks"]["vdb"], nullptr)});
  auto done = kvm::DomainActuator(quick()).update(step, host.session());
  REQUIRE(done);
  CHECK(done->warnings == Lines{"the guest did not release disk vdb within 0 s; it stays in the config"});
  CHECK(host.stdin_of("define /dev/stdin").find("dev=\"vdb\"") != std::string::npos);
}

TEST_CASE("domain update: a stopped domain is only redefined", "[actuator]") {
  FakeVirshHost host;
  StackObject before = domain(std::string(k_base) + "state: stopped\n");
  StackObject after =
      domain("vcpus: {current: 1, max: 4}\nmemory: 256MiB\nvirt_type: qemu\nstate: stopped\n");
  host.on("domstate --domain web", "shut off\n");
  host.on("dumpxml --inactive --security-info --domain web", xml_of(before));
  auto step = update_step(after, before,
                          {field("/memory/current", 134217728, 268435456),
                           field("/memory/max", 134217728, 268435456), field("/vcpus/max", 2, 4)});
  REQUIRE(kvm::DomainActuator(quick()).update(step, host.session()));
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "define /dev/stdin"});
}

TEST_CASE("domain destroy --force: forced off at once, undefined with its metadata, never its storage",
          "[actuator]") {
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");
  ActuatorStep step;
  step.desired.id = {"domain", "web", "lab1"};
  step.stop = providers::StopMode::immediate;
  auto done = kvm::DomainActuator().destroy(step, host.session());
  REQUIRE(done);
  CHECK(host.ran() ==
        Lines{"domstate --domain web", "destroy --domain web",
              "undefine --domain web --managed-save --snapshots-metadata --checkpoints-metadata "
              "--nvram"});
  CHECK(done->warnings.empty());

  // Gone already only when a listing agrees (a lookup over a broken
  // connection says the same words).
  FakeVirshHost gone;
  gone.fail("domstate --domain web", "error: failed to get domain 'web'\n");
  REQUIRE(kvm::DomainActuator().destroy(step, gone.session()));
  CHECK(gone.ran() == Lines{"domstate --domain web", "list --all --name"});

  // Still listed: libvirtd's connection broke mid-call; nothing is claimed destroyed.
  FakeVirshHost broken;
  broken.fail("domstate --domain web", "error: failed to get domain 'web'\n");
  broken.on("list --all --name", "web\n");
  auto not_done = kvm::DomainActuator().destroy(step, broken.session());
  REQUIRE_FALSE(not_done);
  CHECK(not_done.error().message().find("though libvirtd lists it") != std::string::npos);
  CHECK(broken.ran() == Lines{"domstate --domain web", "list --all --name"});
}

TEST_CASE("domain destroy: a running guest is asked to shut down and is not forced when it does",
          "[actuator]") {
  FakeVirshHost host;
  host.then("domstate --domain web", "running\n");
  host.then("domstate --domain web", "running\n");
  host.on("domstate --domain web", "shut off\n");
  ActuatorStep step;
  step.desired.id = {"domain", "web", "lab1"};
  kvm::DomainTiming timing = quick();
  timing.shutdown_timeout = std::chrono::seconds(30);
  auto done = kvm::DomainActuator(timing).destroy(step, host.session());
  REQUIRE(done);
  CHECK(host.ran() ==
        Lines{"domstate --domain web", "shutdown --domain web", "domstate --domain web",
              "domstate --domain web",
              "undefine --domain web --managed-save --snapshots-metadata --checkpoints-metadata "
              "--nvram"});
  CHECK(done->warnings.empty());
}

TEST_CASE(
    "domain destroy: a guest that ignores the shutdown is forced off after the domain's shutdown_timeout, "
    "and says so",
    "[actuator]") {
  FakeVirshHost host;
  host.on("domstate --domain web", "running\n");  // never goes down by itself
  ActuatorStep step;
  step.desired.id = {"domain", "web", "lab1"};
  step.before = json{{"shutdown_timeout", 1}};  // as the owner metadata gave it
  kvm::DomainTiming timing = quick();
  timing.shutdown_timeout = std::chrono::seconds(60);  // the domain's 1 s must win
  timing.poll_interval = std::chrono::milliseconds(50);
  auto done = kvm::DomainActuator(timing).destroy(step, host.session());
  REQUIRE(done);
  REQUIRE(host.ran().size() >= 4);
  CHECK(host.ran()[1] == "shutdown --domain web");
  CHECK(host.ran()[host.ran().size() - 2] == "destroy --domain web");
  CHECK(host.ran().back() ==
        "undefine --domain web --managed-save --snapshots-metadata --checkpoints-metadata --nvram");
  CHECK(done->warnings == Lines{"forced off: the guest did not shut down within 1 s"});
}

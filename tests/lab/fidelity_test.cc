// Fidelity of `virtplan import` and of every redefine after it (issue 17),
// against a real lab host, each as a new user meets it:
//   - a foreign network virtplan cannot represent (forward mode hostdev or
//     vepa) is left alone: the plan of an unrelated stack works and names it
//     as unmanaged, an unrelated domain still imports, and importing it is
//     refused with the reason;
//   - a console password (graphics passwd) survives import and an update;
//   - a CPU model change keeps what the stack does not declare in <cpu>;
//   - a pool keeps the state it was left in (`active:`), and apply stops and
//     starts it as the stack says;
//   - the README's `virtplan import ADDR -f stack/ > stack/data.yaml` works
//     as written, through the shell's redirect;
//   - what import prints validates: a domain whose NIC uses a network the
//     stack does not declare, an iSCSI pool whose target is not an IQN; what
//     it cannot represent (a scsi pool by its parent's PCI address) it
//     refuses with the reason.

#include "tests/lab/hand_made_objects.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

using virtplan::lab::check_plan_empty;
using virtplan::lab::HandMade;
using virtplan::lab::has;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::providers::shell_quote;
using virtplan::test::run_virtplan;

namespace {

namespace fs = std::filesystem;

std::string fidelity_read(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces the first match of `pattern` in the file; whether there was one.
bool fidelity_rewrite(const fs::path& path, const std::string& pattern, const std::string& replacement) {
  const std::string text = fidelity_read(path);
  const std::regex re(pattern);
  if (!std::regex_search(text, re)) return false;
  std::ofstream(path, std::ios::trunc)
      << std::regex_replace(text, re, replacement, std::regex_constants::format_first_only);
  return true;
}

void fidelity_define(const LabEnv& env, const std::string& command, const std::string& xml) {
  env.run_in(0, fmt::format("echo {} | virsh -q {} /dev/stdin >/dev/null", shell_quote(xml), command));
}

// `virtplan import ADDRESS -f DIR` with its stdout (the YAML) written to
// DIR/FILE; the run, with its stderr as the output.
virtplan::test::VirtplanRun fidelity_import(const fs::path& dir, const std::string& address,
                                            const std::string& file) {
  const fs::path errors = dir.string() + "." + file + ".err";
  auto run = virtplan::lab::virtplan_stdout(
      "import " + shell_quote(address) + " -f " + shell_quote(dir.string()), errors);
  std::ofstream(dir / file) << run.output;
  run.output = fidelity_read(errors) + "\nstdout:\n" + run.output;
  fs::remove(errors);
  return run;
}

// A small domain that never boots (no disk): what the test is about is its XML.
std::string fidelity_domain_xml(const std::string& name, const std::string& devices,
                                const std::string& extra) {
  return fmt::format(
      "<domain type='qemu'><name>{}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
      "<os><type arch='x86_64' machine='q35'>hvm</type></os>{}<devices>{}</devices></domain>",
      name, extra, devices);
}

std::string dumpxml_secure(const LabEnv& env, const std::string& domain) {
  return env.run_in(0, "virsh -q dumpxml --inactive --security-info --domain " + shell_quote(domain));
}

// Leaves the host as it was: the domains, networks and pools named, the
// stack's ledger and its dir.
struct FidelityCleanup {
  const LabEnv& env;
  std::string stack;
  fs::path dir;
  std::vector<std::string> domains = {}, networks = {}, pools = {};
  ~FidelityCleanup() {
    std::string script;
    for (const auto& d : domains)
      script += "virsh -q undefine --domain " + shell_quote(d) + " >/dev/null 2>&1;";
    for (const auto& n : networks) {
      script += "virsh -q net-destroy --network " + shell_quote(n) + " >/dev/null 2>&1;";
      script += "virsh -q net-undefine --network " + shell_quote(n) + " >/dev/null 2>&1;";
    }
    for (const auto& p : pools) {
      script += "virsh -q pool-destroy --pool " + shell_quote(p) + " >/dev/null 2>&1;";
      script += "virsh -q pool-undefine --pool " + shell_quote(p) + " >/dev/null 2>&1;";
    }
    env.run_in(0, script + "rm -f /var/lib/virtplan/ledger/" + stack + ".json; true");
    fs::remove_all(dir);
  }
};

}  // namespace

TEST_CASE("fidelity: a foreign network virtplan cannot represent is left alone, never fatal") {
  const LabEnv env = require_lab(1);
  const std::string host = env.hosts[0].name;
  const HandMade made(fmt::format("u{}", getpid() % 100000));
  const std::string hostdev = "hd-" + made.tag, vepa = "vepa-" + made.tag;
  const std::string stack = "unrep-" + made.tag;
  const fs::path dir = HandMade::stack_dir(env, stack);
  made.remove(env);
  FidelityCleanup cleanup{env, stack, dir, {}, {hostdev, vepa}, {}};
  struct RemoveMade {
    const LabEnv& env;
    const HandMade& made;
    ~RemoveMade() { made.remove(env); }
  } remove_made{env, made};
  made.create(env);
  // SR-IOV and VEPA networks as an administrator defines them (owned by nobody)
  fidelity_define(env, "net-define",
                  fmt::format("<network><name>{}</name><forward mode='hostdev' managed='yes'>"
                              "<pf dev='eth2'/></forward></network>",
                              hostdev));
  fidelity_define(env, "net-define",
                  fmt::format("<network><name>{}</name><forward mode='vepa'><interface dev='eth1'/>"
                              "</forward></network>",
                              vepa));

  // the plan of a stack that has nothing to do with them works and lists them
  const auto plan = run_virtplan("plan --detailed-exitcode -f " + shell_quote(dir.string()));
  INFO(plan.output);
  CHECK(plan.status == 0);
  CHECK(has(plan.output, "network." + hostdev + "@" + host));
  CHECK(has(plan.output, "network." + vepa + "@" + host));
  CHECK(has(plan.output, "forward mode 'hostdev'"));
  CHECK_FALSE(has(plan.output, "could not be read"));

  // an unrelated domain imports (its NIC's network is the host's, undeclared)
  const auto domain = fidelity_import(dir, made.address("domain", env), "domain.yaml");
  INFO(domain.output);
  CHECK(domain.status == 0);
  CHECK(has(domain.output, "now owned by stack '" + stack + "'"));
  // and the YAML it printed validates and plans empty
  check_plan_empty(dir);

  // importing one of them is refused, naming why
  const auto refused = fidelity_import(dir, "network." + hostdev + "@" + host, "hostdev.yaml");
  INFO(refused.output);
  CHECK(refused.status == 1);
  CHECK(has(refused.output, "forward mode 'hostdev' is not one virtplan manages"));
  fs::remove(dir / "hostdev.yaml");

  // a stack that declares one keeps the read error: it cannot be planned
  std::ofstream(dir / "declares.yaml")
      << fmt::format("networks:\n  {}:\n    host: {}\n    mode: nat\n    ipv4: {{address: 10.{}.9.1/24}}\n",
                     vepa, host, made.subnet);
  const auto declared = run_virtplan("plan -f " + shell_quote(dir.string()));
  INFO(declared.output);
  CHECK(declared.status == 1);
  CHECK(has(declared.output, "forward mode 'vepa' is not one virtplan manages"));
}

TEST_CASE("fidelity: a console password survives import and an update") {
  const LabEnv env = require_lab(1);
  const std::string tag = virtplan::lab::tag_for('g');
  const std::string name = "gp-" + tag, stack = "gpw-" + tag;
  const fs::path dir = HandMade::stack_dir(env, stack);
  FidelityCleanup cleanup{env, stack, dir, {name}, {}, {}};
  fidelity_define(env, "define",
                  fidelity_domain_xml(name,
                                      "<graphics type='spice' autoport='yes' passwd='Secret123' "
                                      "passwdValidTo='2040-01-01T00:00:00' connected='keep'>"
                                      "<listen type='address' address='127.0.0.1'/></graphics>",
                                      ""));
  REQUIRE(has(dumpxml_secure(env, name), "passwd='Secret123'"));

  const auto imported = fidelity_import(dir, "domain." + name + "@" + env.hosts[0].name, "domain.yaml");
  INFO(imported.output);
  REQUIRE(imported.status == 0);
  std::string xml = dumpxml_secure(env, name);
  INFO(xml);
  CHECK(has(xml, "passwd='Secret123'"));
  CHECK(has(xml, "passwdValidTo='2040-01-01T00:00:00'"));
  CHECK(has(xml, "connected='keep'"));

  REQUIRE(fidelity_rewrite(dir / "domain.yaml", "memory: 128MiB", "memory: 192MiB"));
  const auto applied = run_virtplan("apply --auto-approve -f " + shell_quote(dir.string()));
  INFO(applied.output);
  REQUIRE(applied.status == 0);
  xml = dumpxml_secure(env, name);
  CHECK(has(xml, "<memory unit='KiB'>196608</memory>"));
  CHECK(has(xml, "passwd='Secret123'"));
  CHECK(has(xml, "passwdValidTo='2040-01-01T00:00:00'"));
}

TEST_CASE("fidelity: a CPU model change keeps the CPU settings the stack does not declare") {
  const LabEnv env = require_lab(1);
  const std::string tag = virtplan::lab::tag_for('c');
  const std::string name = "cpu-" + tag, stack = "cpu-" + tag;
  const fs::path dir = HandMade::stack_dir(env, stack);
  FidelityCleanup cleanup{env, stack, dir, {name}, {}, {}};
  fidelity_define(env, "define",
                  fidelity_domain_xml(name, "",
                                      "<cpu mode='custom' match='minimum' check='partial'>"
                                      "<model fallback='allow'>qemu64</model>"
                                      "<feature policy='disable' name='svm'/></cpu>"));

  const auto imported = fidelity_import(dir, "domain." + name + "@" + env.hosts[0].name, "domain.yaml");
  INFO(imported.output);
  REQUIRE(imported.status == 0);
  INFO(fidelity_read(dir / "domain.yaml"));
  REQUIRE(fidelity_rewrite(dir / "domain.yaml", "model: qemu64", "model: kvm64"));
  const auto applied = run_virtplan("apply --auto-approve -f " + shell_quote(dir.string()));
  INFO(applied.output);
  REQUIRE(applied.status == 0);

  const std::string xml = dumpxml_secure(env, name);
  INFO(xml);
  CHECK(has(xml, ">kvm64</model>"));
  CHECK(has(xml, "check='partial'"));
  CHECK(has(xml, "match='minimum'"));
  CHECK(has(xml, "fallback='allow'"));
  CHECK(has(xml, "<feature policy='disable' name='svm'/>"));
  check_plan_empty(dir);
}

TEST_CASE("fidelity: a pool keeps the state it was left in, and apply stops and starts it") {
  const LabEnv env = require_lab(1);
  const std::string tag = virtplan::lab::tag_for('a');
  const std::string pool = "pa-" + tag, stack = "pact-" + tag;
  const fs::path dir = HandMade::stack_dir(env, stack);
  FidelityCleanup cleanup{env, stack, dir, {}, {}, {pool}};
  // defined and built by hand, left stopped
  env.run_in(
      0, fmt::format("virsh -q pool-define-as --name {0} --type dir --target /var/lib/virtplan/{0} >/dev/null"
                     " && virsh -q pool-build --pool {0} >/dev/null",
                     shell_quote(pool)));
  const auto state = [&] {
    return env.run_in(0, "virsh -q pool-info --pool " + shell_quote(pool) + " | awk '/^State:/ {print $2}'");
  };
  REQUIRE(virtplan::lab::trimmed(state()) == "inactive");

  const auto imported = fidelity_import(dir, "pool." + pool + "@" + env.hosts[0].name, "pool.yaml");
  INFO(imported.output);
  REQUIRE(imported.status == 0);
  CHECK(has(fidelity_read(dir / "pool.yaml"), "active: false"));
  check_plan_empty(dir);

  // started by hand: `active: false` stops it again, and keeps it defined
  env.run_in(0, "virsh -q pool-start --pool " + shell_quote(pool) + " >/dev/null");
  const auto stop = run_virtplan("apply --auto-approve -f " + shell_quote(dir.string()));
  INFO(stop.output);
  CHECK(stop.status == 0);
  CHECK(virtplan::lab::trimmed(state()) == "inactive");

  // `active: true` starts it
  REQUIRE(fidelity_rewrite(dir / "pool.yaml", "active: false", "active: true"));
  const auto start = run_virtplan("apply --auto-approve -f " + shell_quote(dir.string()));
  INFO(start.output);
  CHECK(start.status == 0);
  CHECK(virtplan::lab::trimmed(state()) == "running");
  check_plan_empty(dir);
}

TEST_CASE("fidelity: the README's import into the stack directory works through the shell") {
  const LabEnv env = require_lab(1);
  const HandMade made(fmt::format("r{}", getpid() % 100000));
  const std::string stack = "readme-" + made.tag;
  const fs::path dir = HandMade::stack_dir(env, stack);
  made.remove(env);
  FidelityCleanup cleanup{env, stack, dir, {}, {}, {}};
  struct RemoveMade {
    const LabEnv& env;
    const HandMade& made;
    ~RemoveMade() { made.remove(env); }
  } remove_made{env, made};
  made.create(env);
  const fs::path errors = dir.string() + ".err";

  // as README.md has it: `virtplan import volume.data@lab1 -f stack/ > stack/data.yaml`
  // (the shell makes stack/data.yaml, empty, before virtplan reads stack/)
  const std::string stack_arg = shell_quote(dir.string() + "/");
  const auto pool = run_virtplan("import " + shell_quote(made.address("pool", env)) + " -f " + stack_arg +
                                 " > " + shell_quote((dir / "pool.yaml").string()) + " 2>" +
                                 shell_quote(errors.string()) + " && true");
  INFO(fidelity_read(errors));
  REQUIRE(pool.status == 0);
  const auto volume = run_virtplan("import " + shell_quote(made.address("volume", env)) + " -f " + stack_arg +
                                   " > " + shell_quote((dir / "data.yaml").string()) + " 2>" +
                                   shell_quote(errors.string()) + " && true");
  INFO(fidelity_read(errors));
  REQUIRE(volume.status == 0);
  CHECK(has(fidelity_read(dir / "data.yaml"), "volumes:"));
  fs::remove(errors);

  const auto plan = run_virtplan("plan --detailed-exitcode -f " + stack_arg);
  INFO(plan.output);
  CHECK(plan.status == 0);
}

TEST_CASE("fidelity: import prints only YAML that validates, or refuses with the reason") {
  const LabEnv env = require_lab(1);
  const std::string host = env.hosts[0].name;
  const std::string tag = virtplan::lab::tag_for('v');
  const std::string iscsi = "pi-" + tag, scsi = "ps-" + tag, stack = "valid-" + tag;
  const fs::path dir = HandMade::stack_dir(env, stack);
  FidelityCleanup cleanup{env, stack, dir, {}, {}, {iscsi, scsi}};
  // an iSCSI target libvirt accepts though it is not in IQN form
  fidelity_define(env, "pool-define",
                  fmt::format("<pool type='iscsi'><name>{}</name><source><host name='10.9.9.9'/>"
                              "<device path='storage.example.lun1'/></source>"
                              "<target><path>/dev/disk/by-path</path></target></pool>",
                              iscsi));
  // a scsi_host adapter given by its parent's PCI address
  fidelity_define(env, "pool-define",
                  fmt::format("<pool type='scsi'><name>{}</name><source><adapter type='scsi_host'>"
                              "<parentaddr unique_id='1'><address domain='0x0000' bus='0x00' slot='0x1f' "
                              "function='0x2'/></parentaddr></adapter></source>"
                              "<target><path>/dev/disk/by-path</path></target></pool>",
                              scsi));

  const auto imported = fidelity_import(dir, "pool." + iscsi + "@" + host, "iscsi.yaml");
  INFO(imported.output);
  CHECK(imported.status == 0);
  CHECK(has(fidelity_read(dir / "iscsi.yaml"), "storage.example.lun1"));
  const auto validated = run_virtplan("validate -f " + shell_quote(dir.string()));
  INFO(validated.output);
  CHECK(validated.status == 0);
  check_plan_empty(dir);

  const auto refused = fidelity_import(dir, "pool." + scsi + "@" + host, "scsi.yaml");
  INFO(refused.output);
  CHECK(refused.status == 1);
  CHECK(has(refused.output, "pool." + scsi + "@" + host + ": "));
  CHECK(has(refused.output, "parentaddr"));
  CHECK_FALSE(has(fidelity_read(dir / "scsi.yaml"), "pools:"));
  fs::remove(dir / "scsi.yaml");
  // never adopted: the ledger does not hold it
  CHECK_FALSE(has(env.run_in(0, "cat /var/lib/virtplan/ledger/" + stack + ".json 2>/dev/null; true"), scsi));
}

#pragma once

// HandMade is a set of objects made by hand with virsh on a lab host, as an
// administrator would before virtplan: a dir pool, a qcow2 volume in it, a NAT
// network, and a small TCG domain using both (booting the lab guest, so that
// it takes a DHCP lease when started). Names carry `tag`, so runs do not
// collide; remove() undefines everything again. A stack dir for them holds
// base.yaml (the stack's name and the host) and what a test adds.

#include "providers/host/shell_quote.h"
#include "tests/lab/lab_env.h"
#include "tests/lab/lab_guest.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace virtplan::lab {

struct HandMade {
  std::string tag;
  std::string pool, volume, network, domain, bridge, mac;
  int subnet = 0;  // 10.SUBNET.0.0/24 for the network

  explicit HandMade(const std::string& t)
      : tag(t),
        pool("p-" + t),
        volume("v-" + t),
        network("n-" + t),
        domain("d-" + t),
        bridge("vp" + t.substr(0, 8)),
        mac("52:54:00:6e:00:01"),
        subnet(80 + getpid() % 40) {}

  std::string address(const std::string& kind, const LabEnv& env) const {
    const std::string& name = kind == "pool"      ? pool
                              : kind == "volume"  ? volume
                              : kind == "network" ? network
                                                  : domain;
    return kind + "." + name + "@" + env.hosts[0].name;
  }

  void create(const LabEnv& env) const {
    using providers::shell_quote;
    const std::string dir = "/var/lib/virtplan/" + pool;
    env.run_in(
        0, fmt::format(
               "virsh -q pool-define-as --name {0} --type dir --target {1} && virsh -q pool-build --pool {0}"
               " && virsh -q pool-start --pool {0} && virsh -q pool-autostart --pool {0}",
               shell_quote(pool), shell_quote(dir)));
    env.run_in(0, fmt::format("virsh -q vol-create-as --pool {} --name {} --capacity 16M --format qcow2",
                              shell_quote(pool), shell_quote(volume)));
    const std::string net_xml = fmt::format(
        "<network><name>{0}</name><forward mode='nat'/><bridge name='{1}'/>"
        "<ip address='10.{2}.0.1' prefix='24'><dhcp><range start='10.{2}.0.100' end='10.{2}.0.199'/></dhcp></ip>"
        "</network>",
        network, bridge, subnet);
    env.run_in(0,
               fmt::format("echo {} | virsh -q net-define /dev/stdin && virsh -q net-start --network {} && "
                           "virsh -q net-autostart --network {}",
                           shell_quote(net_xml), shell_quote(network), shell_quote(network)));
    const std::string guest = guest_dir();
    const std::string domain_xml = fmt::format(
        "<domain type='qemu'><name>{0}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
        "<os><type arch='x86_64' machine='q35'>hvm</type><kernel>{1}/vmlinuz</kernel>"
        "<initrd>{1}/initrd.img</initrd><cmdline>console=ttyS0</cmdline></os>"
        "<devices><disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source pool='{2}' volume='{3}'/><target dev='vda' bus='virtio'/></disk>"
        "<interface type='network'><mac address='{4}'/><source network='{5}'/><model type='virtio'/></interface>"
        "<serial type='pty'/><console type='pty'/></devices></domain>",
        domain, guest, pool, volume, mac, network);
    env.run_in(0, fmt::format("echo {} | virsh -q define /dev/stdin", shell_quote(domain_xml)));
  }

  void remove(const LabEnv& env) const {
    using providers::shell_quote;
    env.run_in(
        0,
        fmt::format(
            "virsh -q destroy --domain {0} >/dev/null 2>&1; virsh -q undefine --domain {0} >/dev/null 2>&1;"
            " virsh -q net-destroy --network {1} >/dev/null 2>&1; virsh -q net-undefine --network {1} >/dev/null 2>&1;"
            " virsh -q vol-delete --pool {2} --vol {3} >/dev/null 2>&1; virsh -q pool-destroy --pool {2} >/dev/null 2>&1;"
            " virsh -q pool-delete --pool {2} >/dev/null 2>&1; virsh -q pool-undefine --pool {2} >/dev/null 2>&1; true",
            shell_quote(domain), shell_quote(network), shell_quote(pool), shell_quote(volume)));
  }

  // A fresh stack dir whose base.yaml names stack `stack` and lab host 0.
  static std::filesystem::path stack_dir(const LabEnv& env, const std::string& stack) {
    const std::filesystem::path dir = fmt::format("/tmp/vp-{}-{}", stack, getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "base.yaml") << fmt::format(
        "stack: {}\nhosts:\n  {}:\n    address: ssh://root@{}:22\n    identity: {}\n    known_hosts: {}\n",
        stack, env.hosts[0].name, env.hosts[0].address, env.client_key, env.known_hosts);
    return dir;
  }
};

// Runs virtplan with `args` (quoted by the caller) and returns its stdout
// only; its stderr goes to `errors`. For `import`, whose stdout is the YAML.
inline test::VirtplanRun virtplan_stdout(const std::string& args, const std::filesystem::path& errors) {
  // run_virtplan() appends `2>&1` to the last command: here that is `true`.
  return test::run_virtplan(args + " 2>" + providers::shell_quote(errors.string()) + " && true");
}

// Defines the domain `xml` by hand on lab host 0, imports it into
// dir/domain.yaml (import's stdout, which must hold each of `lines`), and
// checks that the plan is then empty. Returns the imported YAML.
inline std::string import_hand_made_domain(const LabEnv& env, const HandMade& made, const std::string& xml,
                                           const std::filesystem::path& dir,
                                           std::initializer_list<const char*> lines) {
  using providers::shell_quote;
  env.run_in(0, fmt::format("echo {} | virsh -q define /dev/stdin", shell_quote(xml)));
  const auto errors = dir / "domain.err";
  const auto imported = virtplan_stdout(
      "import " + shell_quote(made.address("domain", env)) + " -f " + shell_quote(dir.string()), errors);
  std::ifstream err(errors);
  INFO("stdout:\n" << imported.output << "stderr:\n" << std::string(std::istreambuf_iterator<char>(err), {}));
  REQUIRE(imported.status == 0);
  for (const char* line : lines) {
    INFO(line);
    CHECK(imported.output.find(line) != std::string::npos);
  }
  std::ofstream(dir / "domain.yaml") << imported.output;
  std::filesystem::remove(errors);
  check_plan_empty(dir);
  return imported.output;
}

}  // namespace virtplan::lab

// The lab itself, proven: its hosts are really separate (libvirt, networks,
// files, host keys), TCG domains start in them, and two hosts can run domains
// of the same name. Every other lab test relies on these properties.

#include "providers/host/shell_quote.h"
#include "tests/lab/lab_fixture.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::trimmed;

// A name no other test (or a parallel run of this one) uses.
std::string unique_name(const std::string& what) { return "smoke-" + what + "-" + std::to_string(getpid()); }

// The smallest domain that starts under TCG: no disk, no <cpu>, 64 MiB.
std::string tiny_domain_xml(const std::string& name) {
  return "<domain type=\"qemu\"><name>" + name +
         "</name><memory unit=\"MiB\">64</memory><vcpu>1</vcpu>"
         "<os><type arch=\"x86_64\" machine=\"pc\">hvm</type></os><devices/></domain>";
}

// Defines a domain on one host and removes it (running or not) when the test
// ends, pass or fail.
class SmokeDomain {
public:
  SmokeDomain(const LabEnv& env, std::size_t host, std::string name)
      : m_env(env), m_host(host), m_name(std::move(name)) {
    m_env.run_in(m_host, "printf '%s' " + virtplan::providers::shell_quote(tiny_domain_xml(m_name)) +
                             " | virsh -q define /dev/stdin");
  }
  ~SmokeDomain() {
    try {
      m_env.run_in(m_host, "virsh -q destroy " + m_name + " >/dev/null 2>&1; virsh -q undefine " + m_name +
                               " >/dev/null 2>&1; true");
    } catch (...) {
    }
  }
  SmokeDomain(const SmokeDomain&) = delete;
  SmokeDomain& operator=(const SmokeDomain&) = delete;

private:
  const LabEnv& m_env;
  std::size_t m_host;
  std::string m_name;
};

std::vector<std::string> domain_names(const LabEnv& env, std::size_t host) {
  std::istringstream lines(env.run_in(host, "virsh list --all --name"));
  std::vector<std::string> names;
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) names.push_back(line);
  return names;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The ed25519 key (type and base64) the known_hosts file gives for address.
std::string known_key(const LabEnv& env, const std::string& address) {
  std::ifstream in(env.known_hosts);
  for (std::string host, type, key; in >> host >> type >> key;)
    if (host == address) return type + " " + key;
  return "";
}

// Runs a program on this machine; its output and exit status.
virtplan::lab::detail::ChildOutput run_here(const std::vector<std::string>& argv) {
  return virtplan::lab::detail::run_child(argv);
}

}  // namespace

TEST_CASE("the lab env names each host with its address, and host_config reaches it by key") {
  LabEnv env = require_lab(2);
  CHECK(std::filesystem::exists(env.client_key));
  for (std::size_t i = 0; i < env.hosts.size(); ++i) {
    const auto& host = env.hosts[i];
    INFO(host.name);
    CHECK(host.name == "lab" + std::to_string(host.index));
    CHECK(host.address == "10.231." + std::to_string(host.index) + ".2");
    CHECK_FALSE(known_key(env, host.address).empty());
    auto config = env.host_config(i);
    CHECK(config.name == host.name);
    CHECK(config.hostname == host.address);
    CHECK(config.user == "root");
    CHECK(config.port == 22);
    CHECK(config.identity == env.client_key);
    CHECK(config.known_hosts == env.known_hosts);
    CHECK(config.host_key == virtplan::providers::HostKeyPolicy::strict);
  }
}

TEST_CASE("a domain defined on one lab host is not visible on another") {
  LabEnv env = require_lab(2);
  std::string name = unique_name("only-on-first");
  SmokeDomain domain(env, 0, name);
  CHECK(contains(domain_names(env, 0), name));
  CHECK_FALSE(contains(domain_names(env, 1), name));
  // Over SSH too: the address leads to the same host as the namespace.
  auto over_ssh = env.ssh_argv(1);
  over_ssh.insert(over_ssh.end(), {"virsh", "list", "--all", "--name"});
  auto listed = run_here(over_ssh);
  REQUIRE(listed.status == 0);
  CHECK(listed.out.find(name) == std::string::npos);
}

TEST_CASE("two lab hosts start TCG domains of the same name") {
  // The cgroup collision case (machine/qemu-ID-NAME shared by both hosts).
  LabEnv env = require_lab(2);
  std::string name = unique_name("twin");
  SmokeDomain first(env, 0, name);
  SmokeDomain second(env, 1, name);
  env.run_in(0, "virsh -q start " + name);
  env.run_in(1, "virsh -q start " + name);
  CHECK(trimmed(env.run_in(0, "virsh domstate " + name)) == "running");
  CHECK(trimmed(env.run_in(1, "virsh domstate " + name)) == "running");
  // Each qemu belongs to its own host: its pid file lives in that host's /run.
  std::string pid0 = trimmed(env.run_in(0, "cat /run/libvirt/qemu/" + name + ".pid"));
  std::string pid1 = trimmed(env.run_in(1, "cat /run/libvirt/qemu/" + name + ".pid"));
  CHECK(pid0 != pid1);
  env.run_in(0, "virsh -q destroy " + name);
  CHECK(trimmed(env.run_in(0, "virsh domstate " + name)) == "shut off");
  CHECK(trimmed(env.run_in(1, "virsh domstate " + name)) == "running");
}

TEST_CASE("lab hosts run TCG domains, or KVM ones through a usable /dev/kvm") {
  LabEnv env = require_lab(2);
  struct stat kvm {};
  const bool machine_has_kvm = stat("/dev/kvm", &kvm) == 0;
  // QEMU runs as libvirt-qemu: the lab opens /dev/kvm to it.
  if (machine_has_kvm) CHECK((kvm.st_mode & 0666) == 0666);
  for (std::size_t i = 0; i < env.hosts.size(); ++i) {
    INFO(env.hosts[i].name << (env.hosts[i].kvm ? " (KVM)" : " (no KVM)"));
    std::string caps = env.run_in(i, "virsh capabilities");
    CHECK(caps.find("<domain type='qemu'") != std::string::npos);
    CHECK((caps.find("<domain type='kvm'") != std::string::npos) == env.hosts[i].kvm);
  }
  // By default every lab has a host without KVM, whether or not the machine
  // has /dev/kvm: the second hides it, so both kinds of host are tested.
  // VIRTPLAN_LAB_NO_KVM=all runs the suite as on a machine without it.
  INFO("VIRTPLAN_LAB_NO_KVM=" << env.no_kvm);
  CHECK(env.hosts[0].kvm == (machine_has_kvm && env.no_kvm != "all"));
  CHECK(env.hosts[1].kvm == (machine_has_kvm && env.no_kvm == "none"));
}

TEST_CASE("each lab host's sshd presents its own host key, checked strictly") {
  LabEnv env = require_lab(2);
  std::vector<std::string> scanned;
  for (std::size_t i = 0; i < env.hosts.size(); ++i) {
    const auto& host = env.hosts[i];
    INFO(host.name);
    auto scan = run_here({"ssh-keyscan", "-T", "10", "-t", "ed25519", host.address});
    REQUIRE(scan.status == 0);
    std::istringstream fields(scan.out);
    std::string address, type, key;
    fields >> address >> type >> key;
    CHECK(type + " " + key == known_key(env, host.address));
    scanned.push_back(key);

    auto login = env.ssh_argv(i);
    login.push_back("cat /proc/sys/kernel/hostname");
    auto result = run_here(login);
    REQUIRE(result.status == 0);
    CHECK(trimmed(result.out) == host.name);
  }
  CHECK(scanned[0] != scanned[1]);

  // A known_hosts that gives host 0's address host 1's key must be refused.
  std::string wrong = env.dir + "/" + unique_name("wrong-known-hosts");
  std::ofstream(wrong) << env.hosts[0].address << " " << known_key(env, env.hosts[1].address) << "\n";
  auto refused = env.ssh_argv(0);
  for (auto& arg : refused)
    if (arg == "UserKnownHostsFile=" + env.known_hosts) arg = "UserKnownHostsFile=" + wrong;
  refused.push_back("true");
  auto result = run_here(refused);
  std::filesystem::remove(wrong);
  CHECK(result.status == 255);
  CHECK(result.err.find("HOST IDENTIFICATION HAS CHANGED") != std::string::npos);
}

TEST_CASE("each lab host has its own default network") {
  LabEnv env = require_lab(2);
  // Both hosts run `default` on the same 192.168.122.0/24: possible only if
  // each has its own network stack and libvirt. Only this test touches it.
  std::vector<bool> started(2, false);
  for (std::size_t i = 0; i < 2; ++i) {
    if (env.run_in(i, "virsh net-info default").find("Active:         yes") == std::string::npos) {
      env.run_in(i, "virsh -q net-start default");
      started[i] = true;
    }
  }
  std::string dnsmasq0 = trimmed(env.run_in(0, "cat /run/libvirt/network/default.pid"));
  std::string dnsmasq1 = trimmed(env.run_in(1, "cat /run/libvirt/network/default.pid"));
  CHECK(dnsmasq0 != dnsmasq1);
  for (std::size_t i = 0; i < 2; ++i)
    CHECK(env.run_in(i, "ip -4 -o addr show dev virbr0").find("192.168.122.1/24") != std::string::npos);

  env.run_in(0, "virsh -q net-destroy default");
  CHECK(env.run_in(0, "virsh net-info default").find("Active:         no") != std::string::npos);
  CHECK(env.run_in(1, "virsh net-info default").find("Active:         yes") != std::string::npos);
  CHECK(env.run_in(1, "ip -4 -o addr show dev virbr0").find("192.168.122.1/24") != std::string::npos);
  if (started[1]) env.run_in(1, "virsh -q net-destroy default");
  if (!started[0]) env.run_in(0, "virsh -q net-start default");
}

TEST_CASE("a lab host's /tmp, /root and /var/lib/virtplan are its own, kept in the lab dir") {
  LabEnv env = require_lab(2);
  std::string file = unique_name("private");
  const auto& host = env.hosts[0];
  std::string host_dir = env.dir + "/" + host.name;
  struct Place {
    std::string inside;
    std::string in_lab_dir;
  };
  for (const Place& place :
       {Place{"/tmp", "tmp"}, Place{"/root", "root"}, Place{"/var/lib/virtplan", "var-lib-virtplan"}}) {
    INFO(place.inside);
    std::string path = place.inside + "/" + file;
    env.run_in(0, "echo " + host.name + " > " + path);
    std::string from_outside = host_dir + "/" + place.in_lab_dir + "/" + file;
    CHECK(std::filesystem::exists(from_outside));
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK(trimmed(env.run_in(1, "test -e " + path + " && echo leaked || echo absent")) == "absent");
    std::filesystem::remove(from_outside);
  }
}

TEST_CASE("the env file is shell-sourceable and says what LabEnv::load reads") {
  LabEnv env = require_lab(2);
  auto sourced =
      run_here({"bash", "-c",
                "set -eu; . \"$0\"/env; echo \"$VIRTPLAN_LAB_DIR|$LAB_CLIENT_KEY|"
                "$LAB_KNOWN_HOSTS|$LAB_HOSTS\"; for k in $LAB_HOSTS; do "
                "eval echo \"\\$LAB_HOST_${k}_NAME \\$LAB_HOST_${k}_ADDRESS \\$LAB_HOST_${k}_PID\"; done",
                env.dir});
  REQUIRE(sourced.status == 0);
  std::string want = env.dir + "|" + env.client_key + "|" + env.known_hosts + "|";
  for (std::size_t i = 0; i < env.hosts.size(); ++i)
    want += (i ? " " : "") + std::to_string(env.hosts[i].index);
  want += "\n";
  for (const auto& host : env.hosts)
    want += host.name + " " + host.address + " " + std::to_string(host.holder_pid) + "\n";
  CHECK(sourced.out == want);
}

TEST_CASE("LabEnv::load says nullopt for a lab dir without an env file") {
  std::string empty = std::filesystem::temp_directory_path() / unique_name("no-lab");
  std::filesystem::create_directories(empty);
  setenv("VIRTPLAN_LAB_DIR", empty.c_str(), 1);
  CHECK_FALSE(LabEnv::load().has_value());
  std::filesystem::remove(empty);
}

TEST_CASE("run_in runs inside the host and throws with stderr on failure") {
  LabEnv env = require_lab(2);
  CHECK(trimmed(env.run_in(0,
                           "cat /proc/sys/kernel/hostname; ip -4 -o addr show dev eth0 | "
                           "grep -o '10\\.231\\.[0-9]*\\.2'")) ==
        env.hosts[0].name + "\n" + env.hosts[0].address);
  try {
    env.run_in(0, "echo out; echo broken-on-purpose >&2; exit 3");
    FAIL("run_in did not throw");
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    CHECK(what.find("broken-on-purpose") != std::string::npos);
    CHECK(what.find("exited 3") != std::string::npos);
  }
}

// One hypervisor under two host entries, and a host that takes TCP but never
// speaks SSH, with the real binary against a lab host:
//   - two spellings of one address are refused by `validate`, naming both
//     entries at their file:line:col;
//   - two entries validate cannot tell apart (the lab host's sshd also
//     reached through a forwarded port) are refused when the hosts are
//     reached, by every command, before anything is read or changed: without
//     that, each entry plans the other's objects as destroys;
//   - a silent TCP listener costs one connect_timeout (the stack's own), no
//     plan is printed for it, the message says what happened, and the
//     summary lists every object left alone there.

#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/lab/nft_table.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using virtplan::lab::has;
using virtplan::lab::host_block;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::tag_for;
using virtplan::lab::write_stack;
using virtplan::lab::write_stack_at;
using virtplan::test::run_virtplan;

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string hosts_pools_of(const LabEnv& env, std::size_t i) {
  return env.run_in(i, "virsh -c qemu:///system pool-list --all --name");
}

// A port of host i that only this test process uses.
int hosts_test_port(int base) { return base + getpid() % 50; }

// Host i's sshd also answers on `port` (an nft redirect inside the host),
// for as long as this lives: the same hypervisor under a second address.
class ForwardedSsh : public virtplan::lab::NftTable {
public:
  ForwardedSsh(const LabEnv& env, std::size_t i, int port)
      : NftTable(env, i, "ip", "type nat hook prerouting priority -100;",
                 fmt::format("tcp dport {} redirect to :22", port)) {}
};

// A TCP listener on host i's address and `port` that accepts and never says
// a word (the kernel completes the handshake; nc never writes), for as long
// as this lives.
class SilentListener {
public:
  SilentListener(const LabEnv& env, std::size_t i, int port) : m_env(env), m_i(i) {
    m_pid = env.run_in(
        i, fmt::format("nc -l -k {} {} </dev/null >/dev/null 2>&1 & echo $!", env.hosts[i].address, port));
    while (!m_pid.empty() && m_pid.back() == '\n') m_pid.pop_back();
    // Listening before the test connects.
    env.run_in(
        i, fmt::format("for n in $(seq 50); do ss -ltn | grep -q ':{} ' && exit 0; sleep 0.1; done; exit 1",
                       port));
  }
  ~SilentListener() {
    try {
      m_env.run_in(m_i, "kill " + m_pid);
    } catch (const std::exception& error) {
      WARN(error.what());
    }
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

private:
  const LabEnv& m_env;
  std::size_t m_i;
  std::string m_pid;
};

// The lab's known_hosts with host i's key also filed under [ADDRESS]:PORT,
// so the forwarded port passes a strict host key check.
std::string hosts_known_hosts_with_port(const LabEnv& env, std::size_t i, int port) {
  std::ifstream in(env.known_hosts);
  std::stringstream text;
  text << in.rdbuf();
  std::string all = text.str();
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(env.hosts[i].address + " ")) {
      all += fmt::format("[{}]:{}{}\n", env.hosts[i].address, port, line.substr(env.hosts[i].address.size()));
    }
  }
  const std::string path = fmt::format("/tmp/vp-known-hosts-{}-{}", getpid(), port);
  std::ofstream(path) << all;
  return path;
}

std::string hosts_forwarded_block(const LabEnv& env, const std::string& name, int port,
                                  const std::string& known_hosts) {
  return fmt::format("  {}:\n    address: ssh://root@{}:{}\n    identity: {}\n    known_hosts: {}\n", name,
                     env.hosts[0].address, port, env.client_key, known_hosts);
}

double hosts_seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE("hosts: validate refuses one lab host under two spellings of its address, naming both entries") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('i');
  const std::string stack = write_stack(fmt::format(
      "stack: id-{0}\nhosts:\n  one:\n    address: ssh://root@{1}\n  again:\n    address: ssh://{1}:22\n"
      "pools:\n  p-{0}: {{host: one, type: dir, path: /var/lib/virtplan/p-{0}}}\n",
      tag, env.hosts[0].address));
  for (const std::string& command : std::vector<std::string>{"validate", "plan"}) {
    const auto run = run_virtplan(command + " -f " + stack);
    INFO(run.output);
    CHECK(run.status == 1);
    CHECK(has(run.output, fmt::format("{}:5:3: host 'again' has the same address as host 'one' (at {}:3:3): "
                                      "ssh://root@{}:22; one hypervisor must be declared once",
                                      stack, stack, env.hosts[0].address)));
  }
  std::filesystem::remove(stack);
}

TEST_CASE(
    "hosts: one lab host reached under two entries is refused by every command before anything changes") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('j');
  const int port = hosts_test_port(2400);
  ForwardedSsh forwarded(env, 0, port);
  const std::string known_hosts = hosts_known_hosts_with_port(env, 0, port);
  const std::string name = env.hosts[0].name;
  const std::string pool = fmt::format("pool.p-{}@{}", tag, name);
  const auto pool_on = [&tag](const std::string& host) {
    return fmt::format("pools:\n  p-{0}: {{host: {1}, type: dir, path: /var/lib/virtplan/p-{0}}}\n", tag,
                       host);
  };

  // The stack owns a pool on the host, made through its first entry.
  const std::string stack =
      write_stack(fmt::format("stack: id-{}\nhosts:\n{}", tag, host_block(env, 0)) + pool_on(name));
  const auto made = run_virtplan("apply --auto-approve -f " + stack);
  INFO(made.output);
  REQUIRE(made.status == 0);
  REQUIRE(has(hosts_pools_of(env, 0), "p-" + tag));

  // The pool moves to a second entry that reaches the same sshd, the same
  // libvirtd, through another port: validate cannot see it. Read as two
  // hosts, the first would plan the pool's destruction.
  const std::string twice =
      fmt::format("stack: id-{}\nhosts:\n{}{}{}{}", tag, host_block(env, 0),
                  hosts_forwarded_block(env, "twin", port, known_hosts), host_block(env, 1), pool_on("twin"));
  write_stack_at(stack, twice);
  CHECK(run_virtplan("validate -f " + stack).status == 0);
  const std::string refusal =
      fmt::format("error: twin: the same hypervisor as host '{}' (libvirt host UUID ", name);
  for (const std::string& command : std::vector<std::string>{
           "plan", "apply --auto-approve", "destroy --auto-approve", "status", "show", "import " + pool}) {
    const auto run = run_virtplan(command + " -f " + stack);
    INFO(command << ":\n" << run.output);
    CHECK(run.status == 1);
    CHECK(has(run.output, refusal));
    CHECK(has(run.output, "; SSH host key ssh-ed25519 SHA256:"));
    CHECK(has(run.output, "nothing was planned or changed"));
    // Refused before any plan: no destroy planned, none carried out.
    CHECK_FALSE(has(run.output, "destroy  "));
    CHECK_FALSE(has(run.output, "destroyed"));
  }
  // Waiting for busy locks, the second entry does not wait for the first
  // one's: the refusal comes first.
  const auto start = Clock::now();
  const auto waiting = run_virtplan("apply --auto-approve --lock-wait 60 -f " + stack);
  INFO(waiting.output);
  CHECK(waiting.status == 1);
  CHECK(has(waiting.output, refusal));
  CHECK(hosts_seconds_since(start) < 20);
  // The second lab host is another hypervisor: never named in a refusal.
  CHECK_FALSE(has(run_virtplan("plan -f " + stack).output, env.hosts[1].name + ": the same hypervisor"));
  CHECK(has(hosts_pools_of(env, 0), "p-" + tag));

  write_stack_at(stack, fmt::format("stack: id-{}\nhosts:\n{}", tag, host_block(env, 0)));
  const auto cleaned = run_virtplan("destroy --auto-approve -f " + stack);
  INFO(cleaned.output);
  CHECK(cleaned.status == 0);
  std::filesystem::remove(stack);
  std::filesystem::remove(known_hosts);
}

TEST_CASE(
    "hosts: a host that takes TCP but never speaks SSH costs one connect_timeout, shows no plan, says what "
    "happened and lists every object left alone") {
  const LabEnv env = require_lab(1);
  const std::string tag = tag_for('k');
  const int port = hosts_test_port(2500);
  SilentListener silent(env, 0, port);
  // The stack's own connect_timeout (3 s, not the default 10 s) is the one
  // waited: once (at least 3 s), not twice (6 s and more); the margin
  // between is for a loaded machine starting the process and loading.
  const std::string stack = write_stack(
      fmt::format("stack: id-{0}\nhosts:\n  silent:\n    address: ssh://root@{1}:{2}\n    identity: {3}\n"
                  "    known_hosts: {4}\n    connect_timeout: 3s\n    keepalive: 5\n"
                  "pools:\n  p-{0}: {{host: silent, type: dir, path: /var/lib/virtplan/p-{0}}}\n"
                  "volumes:\n  v-{0}: {{host: silent, pool: p-{0}, capacity: 1MiB}}\n",
                  tag, env.hosts[0].address, port, env.client_key, env.known_hosts));
  const std::string what = fmt::format(
      "silent ({}:{}): the connection was accepted but no SSH server answered within the connect timeout "
      "(3000 ms): nothing greeted with an SSH banner",
      env.hosts[0].address, port);
  const std::string objects = fmt::format("(pool.p-{0}@silent, volume.v-{0}@silent)", tag);

  for (const std::string& command :
       std::vector<std::string>{"plan", "apply --auto-approve", "destroy --auto-approve"}) {
    const auto start = Clock::now();
    const auto run = run_virtplan(command + " -f " + stack);
    const double took = hosts_seconds_since(start);
    INFO(command << " took " << took << " s:\n" << run.output);
    CHECK(run.status == 1);
    CHECK(took >= 2.9);
    CHECK(took < 5.9);  // one connect_timeout, not two
    CHECK(has(run.output, what));
    CHECK(has(run.output, objects));
    if (command == "plan") {
      CHECK(has(run.output,
                "error: silent: could not be reached, its objects are not planned " + objects + ": " + what));
    } else if (command.starts_with("apply")) {
      CHECK(has(run.output, "  silent: could not be reached, nothing was planned or done there " + objects +
                                ": " + what));
    }
    // Nothing was compared: no plan, not even "No changes".
    CHECK_FALSE(has(run.output, "No changes"));
    CHECK_FALSE(has(run.output, "Nothing to do"));
    // The lock and the ledger were never reached: they are not blamed.
    CHECK_FALSE(has(run.output, "lock"));
    CHECK_FALSE(has(run.output, "ledger"));
  }
  std::filesystem::remove(stack);
}

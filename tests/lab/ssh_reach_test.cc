// Reaching hosts the way OpenSSH users do, against real sshd on lab hosts
// (issue 18): ssh_config aliases, ProxyJump through a bastion (in-process,
// one bastion session for every host behind it, each hop's host key checked),
// qemu+ssh:// addresses, and keepalives that notice a silently dropped
// connection.
//
// The target behind the bastion is the bastion's own sshd on its loopback
// (127.0.0.1 inside the lab host): nothing on this machine can reach that
// address, so a command that runs there went through the bastion.

#include "providers/host/ssh_transport.h"
#include "providers/host/transport_factory.h"
#include "providers/virsh/shell.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/lab/nft_table.h"
#include "tests/support/scratch_dir.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <sstream>
#include <string>

namespace {

using namespace virtplan::providers;
using namespace std::chrono_literals;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using Clock = std::chrono::steady_clock;
using virtplan::test::ScratchDir;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The "TYPE KEY" of lab host i's host key.
std::string host_key_of(const LabEnv& env, std::size_t i) {
  std::istringstream words(
      read_text(fmt::format("{}/{}/ssh_host_ed25519_key.pub", env.dir, env.hosts[i].name)));
  std::string type, key;
  words >> type >> key;
  REQUIRE_FALSE(key.empty());
  return type + " " + key;
}

// known_hosts that trusts host 0 at its address and at 127.0.0.1 (the same
// sshd on its loopback), unless `bastion_key` says otherwise for the address.
std::string known_hosts(const ScratchDir& scratch, const LabEnv& env, const std::string& bastion_key) {
  return scratch.write("known_hosts", fmt::format("{} {}\n127.0.0.1 {}\n", env.hosts[0].address, bastion_key,
                                                  host_key_of(env, 0)));
}

// An ssh_config with the bastion (host 0), two hosts behind it, and a chain
// of two hops.
std::string ssh_config(const ScratchDir& scratch, const LabEnv& env, const std::string& known_hosts_file) {
  return scratch.write("ssh_config",
                       fmt::format(R"(# written by ssh_reach_test
Host vp-bastion
  HostName {address}
Host vp-hop2
  HostName 127.0.0.1
  ProxyJump vp-bastion
Host vp-behind-*
  HostName 127.0.0.1
  ProxyJump vp-bastion
Host vp-two-hops
  HostName 127.0.0.1
  ProxyJump vp-bastion,vp-hop2
Host vp-*
  User root
  IdentityFile {key}
  IdentitiesOnly yes
  UserKnownHostsFile {known_hosts}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  ConnectTimeout 10
)",
                                   fmt::arg("address", env.hosts[0].address), fmt::arg("key", env.client_key),
                                   fmt::arg("known_hosts", known_hosts_file)));
}

HostConfig entry(const std::string& name, const std::string& address, const std::string& config_file) {
  HostConfig config;
  config.name = name;
  REQUIRE(parse_host_address(address, config));
  config.ssh_config = config_file;
  return config;
}

std::unique_ptr<SshTransport> transport_for(const HostConfig& config) {
  auto transport = SshTransport::create(config);
  INFO((transport ? std::string() : transport.error().message()));
  REQUIRE(transport);
  return std::move(*transport);
}

CommandOutput must_run(Transport& transport, const std::string& line) {
  auto output = transport.run(Command{{"sh", "-c", line}, std::nullopt, 60s});
  INFO((output ? std::string() : output.error().message()));
  REQUIRE(output);
  return *output;
}

// How many connections host 0's sshd has taken from `peer` so far.
int connections_from(const LabEnv& env, const std::string& peer) {
  const std::string count =
      env.run_in(0, fmt::format("grep -c 'Connection from {} ' /run/lab/sshd.log || true", peer));
  return std::stoi(count.empty() ? "0" : count);
}

// How many TCP connections to ADDRESS:22 this test process holds open. Counted
// on the client side (its own sockets in /proc/self/net/tcp), not in the
// bastion's sshd log, which other lab tests running at the same time add to.
int open_connections_to(const std::string& address) {
  std::set<std::string> own_sockets;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(fd.path(), error).string();
    if (!error && target.starts_with("socket:[")) own_sockets.insert(target.substr(8, target.size() - 9));
  }
  in_addr remote{};
  REQUIRE(inet_pton(AF_INET, address.c_str(), &remote) == 1);
  // /proc/net/tcp spells an address as the hex of its in-memory word.
  const std::string wanted = fmt::format("{:08X}:{:04X}", remote.s_addr, 22);
  std::ifstream table("/proc/self/net/tcp");
  std::string line;
  std::getline(table, line);  // the header
  int count = 0;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, rem, state, queues, timer, retransmits, uid, timeout, inode;
    fields >> slot >> local >> rem >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
    if (rem == wanted && state == "01" && own_sockets.contains(inode)) ++count;  // 01: established
  }
  return count;
}

// The source port in an SSH_CONNECTION line ("127.0.0.1 40000 127.0.0.1 22").
std::string source_port(const std::string& ssh_connection) {
  std::istringstream words(ssh_connection);
  std::string address, port;
  words >> address >> port;
  return port;
}

}  // namespace

TEST_CASE("ssh_config: an alias resolves to the address, user, key and known_hosts the file gives") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string file = ssh_config(scratch, env, known_hosts(scratch, env, host_key_of(env, 0)));
  auto transport = transport_for(entry("bastion-itself", "ssh://vp-bastion", file));
  CHECK(virtplan::lab::trimmed(must_run(*transport, "echo ok").out) == "ok");
  CHECK(transport->host_key().find("SHA256:") != std::string::npos);
}

TEST_CASE("ProxyJump: hosts behind a bastion are reached through it, over one bastion session") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string file = ssh_config(scratch, env, known_hosts(scratch, env, host_key_of(env, 0)));
  const int loopback_before = connections_from(env, "127.0.0.1");
  auto first = transport_for(entry("behind1", "ssh://vp-behind-1", file));
  auto second = transport_for(entry("behind2", "ssh://vp-behind-2", file));
  auto one = std::async(std::launch::async, [&] { return must_run(*first, "echo $SSH_CONNECTION"); });
  auto two = std::async(std::launch::async, [&] { return must_run(*second, "echo $SSH_CONNECTION"); });
  // sshd sees the sessions come from its own loopback: the bastion forwarded
  // them, as two sessions (two source ports).
  const std::string first_connection = one.get().out;
  const std::string second_connection = two.get().out;
  CHECK(first_connection.starts_with("127.0.0.1 "));
  CHECK(second_connection.starts_with("127.0.0.1 "));
  CHECK(source_port(first_connection) != source_port(second_connection));
  // Each host keeps its session: later commands arrive over the same one.
  for (int i = 0; i < 5; ++i) CHECK(must_run(*first, "echo $SSH_CONNECTION").out == first_connection);
  CHECK(connections_from(env, "127.0.0.1") - loopback_before >= 2);
  // Two hosts behind the bastion and six commands: this process holds one
  // connection to it.
  CHECK(open_connections_to(env.hosts[0].address) == 1);
}

// sshd (the bastion's too) writes with Nagle's algorithm on: a small packet
// waited for our acknowledgement of the one before, which Linux delays up to
// 40 ms. A virsh call's answer is several small writes, so each quick call
// through a bastion took ~44 ms, against 1-3 ms direct.
TEST_CASE("ProxyJump: quick virsh calls through a bastion wait for no delayed acknowledgement") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string file = ssh_config(scratch, env, known_hosts(scratch, env, host_key_of(env, 0)));
  auto transport = transport_for(entry("behind1", "ssh://vp-behind-1", file));
  auto shell = VirshShell::start(*transport, "qemu:///system", Become::none);
  REQUIRE(shell);
  std::vector<Clock::duration> took;
  for (int i = 0; i < 15; ++i) {
    const auto start = Clock::now();
    auto outcome = (*shell)->run(VirshCall{{"uri"}, std::nullopt}, 30s);
    took.push_back(Clock::now() - start);
    REQUIRE(outcome.has_value());
    REQUIRE(outcome->has_value());
  }
  std::ranges::sort(took);
  const auto median = std::chrono::duration_cast<std::chrono::milliseconds>(took[took.size() / 2]);
  INFO("median " << median.count() << " ms");
  CHECK(median < 30ms);
}

TEST_CASE("ProxyJump: a chain of two hops, each its own session") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string file = ssh_config(scratch, env, known_hosts(scratch, env, host_key_of(env, 0)));
  const int loopback_before = connections_from(env, "127.0.0.1");
  auto transport = transport_for(entry("deep", "ssh://vp-two-hops", file));
  CHECK(must_run(*transport, "echo $SSH_CONNECTION").out.starts_with("127.0.0.1 "));
  // hop 2 and the target: both through the loopback (at least: other lab
  // tests may log in there at the same time), and one connection from here.
  CHECK(connections_from(env, "127.0.0.1") - loopback_before >= 2);
  CHECK(open_connections_to(env.hosts[0].address) == 1);
}

TEST_CASE("ProxyJump: a bastion whose host key changed is refused, and the error names the bastion") {
  const LabEnv env = require_lab(2);
  ScratchDir scratch;
  // Host 1's key on file for the bastion's address: a changed key.
  const std::string file = ssh_config(scratch, env, known_hosts(scratch, env, host_key_of(env, 1)));
  auto output =
      transport_for(entry("behind", "ssh://vp-behind-1", file))->run(Command{{"true"}, std::nullopt, 30s});
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::host_key_changed);
  CHECK_THAT(output.error().message(),
             Catch::StartsWith(fmt::format("bastion vp-bastion ({}:22): WARNING: the host key has CHANGED",
                                           env.hosts[0].address)));
}

TEST_CASE(
    "ProxyJump: a host behind the bastion with an unknown key is refused, naming the host and the way") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string kh =
      scratch.write("known_hosts", fmt::format("{} {}\n", env.hosts[0].address, host_key_of(env, 0)));
  const std::string file = ssh_config(scratch, env, kh);
  auto output =
      transport_for(entry("behind", "ssh://vp-behind-1", file))->run(Command{{"true"}, std::nullopt, 30s});
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::host_key_unknown);
  CHECK_THAT(output.error().message(),
             Catch::StartsWith("behind (127.0.0.1:22 via bastion vp-bastion): host key is not known"));
}

TEST_CASE("ProxyJump: a target the bastion cannot reach fails naming the bastion and the target") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string file = ssh_config(scratch, env, known_hosts(scratch, env, host_key_of(env, 0)));
  HostConfig config = entry("nowhere", "ssh://vp-behind-x:2", file);
  auto output = transport_for(config)->run(Command{{"true"}, std::nullopt, 30s});
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::unreachable);
  CHECK_THAT(output.error().message(), Catch::Contains("nowhere (127.0.0.1:2 via bastion vp-bastion)"));
  CHECK_THAT(output.error().message(), Catch::Contains("the jump host cannot connect to 127.0.0.1:2"));
}

TEST_CASE("ProxyJump: a libvirt host that takes SSH only from the bastion is applied to through it") {
  const LabEnv env = require_lab(2);
  ScratchDir scratch;
  const std::string& bastion = env.hosts[0].address;
  const std::string& hypervisor = env.hosts[1].address;
  // The hypervisor's sshd on a port of this test's own, which its firewall
  // opens to the bastion only: port 22, which the other tests use, stays as
  // it is.
  const int port = 3300 + getpid() % 50;
  const virtplan::lab::NftTable redirect(env, 1, "ip", "type nat hook prerouting priority -100;",
                                         fmt::format("tcp dport {} redirect to :22", port));
  const virtplan::lab::NftTable only_the_bastion(
      env, 1, "inet", "type filter hook prerouting priority -200;",
      fmt::format("ip saddr != {} tcp dport {} drop", bastion, port));
  const std::string kh =
      scratch.write("known_hosts", fmt::format("{} {}\n[{}]:{} {}\n", bastion, host_key_of(env, 0),
                                               hypervisor, port, host_key_of(env, 1)));
  const std::string file = scratch.write(
      "ssh_config", fmt::format(R"(# written by ssh_reach_test
Host vp-hv
  HostName {hypervisor}
  ProxyJump vp-bastion
Host vp-hv-direct
  HostName {hypervisor}
  ConnectTimeout 3
Host vp-bastion
  HostName {bastion}
Host vp-hv*
  Port {port}
Host vp-*
  User root
  IdentityFile {key}
  IdentitiesOnly yes
  UserKnownHostsFile {kh}
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  ConnectTimeout 20
)",
                                fmt::arg("hypervisor", hypervisor), fmt::arg("bastion", bastion),
                                fmt::arg("port", port), fmt::arg("key", env.client_key), fmt::arg("kh", kh)));
  // This machine's direct connection meets silence.
  auto direct = transport_for(entry("hv-direct", "ssh://vp-hv-direct", file))
                    ->run(Command{{"true"}, std::nullopt, 30s});
  REQUIRE_FALSE(direct);
  CHECK((direct.error().code() == ErrorCode::timeout || direct.error().code() == ErrorCode::unreachable));

  // A whole plan/apply/plan through the jump, with libvirt work on the host.
  const std::string tag = virtplan::lab::tag_for('j');
  const std::string stack_text = fmt::format(R"(stack: {tag}
hosts:
  hv:
    address: ssh://vp-hv
    ssh_config: {file}
pools:
  {tag}: {{hosts: [hv], type: dir, path: /var/lib/virtplan/{tag}}}
volumes:
  {tag}-v: {{hosts: [hv], pool: {tag}, format: qcow2, capacity: 8MiB}}
)",
                                             fmt::arg("tag", tag), fmt::arg("file", file));
  const std::string stack = virtplan::lab::write_stack(stack_text);
  const virtplan::lab::StackCleanup cleanup{env, stack};
  const std::string applied = virtplan::lab::apply_stack(stack, stack_text);
  CHECK(virtplan::lab::has(applied, "volume." + tag + "-v"));
  CHECK(virtplan::lab::has(env.run_in(1, fmt::format("virsh vol-list {} --details", tag)), tag + "-v"));
  // The hypervisor's sshd saw the sessions come from the bastion's address.
  CHECK(std::stoi(env.run_in(
            1, fmt::format("grep -c 'Connection from {} ' /run/lab/sshd.log || true", bastion))) >= 1);
}

TEST_CASE("qemu+ssh:// addresses reach the host with their keyfile and known_hosts") {
  const LabEnv env = require_lab(1);
  HostConfig config;
  config.name = "uri";
  REQUIRE(parse_host_address(fmt::format("qemu+ssh://root@{}:22/system?keyfile={}&known_hosts={}",
                                         env.hosts[0].address, env.client_key, env.known_hosts),
                             config));
  CHECK(config.libvirt_uri == "qemu:///system");
  auto transport = transport_for(config);
  CHECK(virtplan::lab::trimmed(must_run(*transport, "virsh -c qemu:///system uri").out) == "qemu:///system");
}

TEST_CASE(
    "keepalive: a silently dropped connection is noticed within keepalive x count, not at the timeout") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  // The connection goes to a port of this test's own, redirected to sshd, and
  // only that port falls silent: the other tests' connections to port 22 of
  // the same host, running at the same time, are left alone.
  const int port = 3350 + getpid() % 50;
  const virtplan::lab::NftTable redirect(env, 0, "ip", "type nat hook prerouting priority -100;",
                                         fmt::format("tcp dport {} redirect to :22", port));
  HostConfig config = env.host_config(0);
  config.port = port;
  config.known_hosts = scratch.write(
      "known_hosts", fmt::format("[{}]:{} {}\n", env.hosts[0].address, port, host_key_of(env, 0)));
  config.keepalive = 1s;
  config.given.keepalive = true;
  config.keepalive_count = 2;
  auto transport = transport_for(config);
  REQUIRE(must_run(*transport, "echo up").out == "up\n");
  auto running = std::async(std::launch::async, [&] {
    return transport->run(Command{{"sleep", "100"}, std::nullopt, 120s});
  });
  std::this_thread::sleep_for(1500ms);
  // Every packet of the connection is dropped from now on: no reset, no
  // error, only silence.
  // (Before NAT, where the packets still carry the test's port.)
  const virtplan::lab::NftTable drop(env, 0, "inet", "type filter hook prerouting priority -200;",
                                     fmt::format("tcp dport {} drop", port));
  const auto dropped = Clock::now();
  REQUIRE(running.wait_for(15s) == std::future_status::ready);
  const auto noticed = Clock::now() - dropped;
  auto output = running.get();
  REQUIRE_FALSE(output);
  CHECK(output.error().code() == ErrorCode::transport);
  CHECK_THAT(output.error().message(), Catch::Contains("no answer to 2 keepalives"));
  // keepalive 1 s x count 2, plus the loop's own second and a margin.
  CHECK(noticed < 6s);
}

namespace {

// A fresh key at DIR/NAME signed by the lab's user CA (tests/lab/lab makes
// it, every lab sshd trusts it) for `principals`, valid `validity`; the
// certificate is written to `certificate` (default: beside the key).
std::string certified_key(const LabEnv& env, const ScratchDir& scratch, const std::string& name,
                          const std::string& principals, const std::string& validity,
                          const std::string& certificate = "") {
  const std::string key = scratch.write(name, "");
  std::filesystem::remove(key);
  auto made = virtplan::lab::detail::run_child({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key});
  REQUIRE(made.status == 0);
  auto signed_key =
      virtplan::lab::detail::run_child({"ssh-keygen", "-q", "-s", env.dir + "/user_ca", "-I", "vp-reach-test",
                                        "-n", principals, "-V", validity, key + ".pub"});
  INFO(signed_key.err);
  REQUIRE(signed_key.status == 0);
  if (!certificate.empty()) std::filesystem::rename(key + "-cert.pub", certificate);
  return key;
}

Result<CommandOutput> run_with_key(const LabEnv& env, const std::string& key,
                                   const std::optional<std::string>& config_file = std::nullopt) {
  HostConfig config = env.host_config(0);
  config.identity = key;
  config.ssh_config = config_file;
  return transport_for(config)->run(Command{{"echo", "in"}, std::nullopt, 30s});
}

}  // namespace

TEST_CASE("certificates: a key the server does not list logs in with a certificate of a CA it trusts") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string key = certified_key(env, scratch, "user", "root", "+1h");
  auto output = run_with_key(env, key);
  INFO((output ? std::string() : output.error().message()));
  REQUIRE(output);
  CHECK(output->out == "in\n");
  // The key alone is not in authorized_keys: the certificate did it.
  std::filesystem::remove(key + "-cert.pub");
  auto alone = run_with_key(env, key);
  REQUIRE_FALSE(alone);
  CHECK(alone.error().code() == ErrorCode::auth_failed);
}

TEST_CASE("certificates: ssh_config's CertificateFile is offered with the key") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string certificate = scratch.write("elsewhere-cert.pub", "");
  const std::string key = certified_key(env, scratch, "user", "root", "+1h", certificate);
  const std::string file = scratch.write("ssh_config", "Host *\n  CertificateFile " + certificate + "\n");
  auto output = run_with_key(env, key, file);
  INFO((output ? std::string() : output.error().message()));
  REQUIRE(output);
  CHECK(output->out == "in\n");
}

TEST_CASE("certificates: an expired certificate or one for another principal is refused with the reason") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string expired =
      certified_key(env, scratch, "expired", "root", "20200101000000Z:20200102000000Z");
  auto old = run_with_key(env, expired);
  REQUIRE_FALSE(old);
  CHECK(old.error().code() == ErrorCode::auth_failed);
  CHECK_THAT(old.error().message(),
             Catch::Contains("-cert.pub (refused: the certificate expired at 2020-01-02 00:00:00 UTC)"));
  const std::string other = certified_key(env, scratch, "other", "nobody", "+1h");
  auto wrong = run_with_key(env, other);
  REQUIRE_FALSE(wrong);
  CHECK_THAT(wrong.error().message(),
             Catch::Contains("(refused: the certificate is for principals nobody, not root)"));
}

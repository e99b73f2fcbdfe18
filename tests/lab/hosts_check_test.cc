// Issue 18: `virtplan hosts --check`, the real binary against lab hosts over
// real SSH: one line per check and host, a host reached through a bastion
// says so, two entries of one host are found, a pool path that cannot be made
// and more volumes than free space fail, and any failure exits 1.

#include "tests/lab/hidden_tools.h"
#include "tests/lab/lab_fixture.h"
#include "tests/lab/lab_stack.h"
#include "tests/support/scratch_dir.h"
#include "tests/support/virtplan_process.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

using virtplan::lab::has;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::lab::tag_for;
using virtplan::test::run_virtplan;
using virtplan::test::ScratchDir;

namespace {

// "ssh-ed25519 AAAA..." of lab host i.
std::string host_key_of(const LabEnv& env, std::size_t i) {
  std::ifstream in(fmt::format("{}/{}/ssh_host_ed25519_key.pub", env.dir, env.hosts[i].name));
  std::string type, key;
  in >> type >> key;
  return type + " " + key;
}

// Host 0 as a bastion in front of its own loopback: `behind` is host 0 again,
// reached only through the jump.
std::string bastion_config(const ScratchDir& scratch, const LabEnv& env) {
  const std::string known = scratch.write(
      "known_hosts", fmt::format("{0} {1}\n127.0.0.1 {1}\n", env.hosts[0].address, host_key_of(env, 0)));
  return scratch.write("ssh_config", fmt::format(R"(Host vp-bastion
  HostName {0}
Host vp-behind
  HostName 127.0.0.1
  ProxyJump vp-bastion
Host vp-*
  User root
  IdentityFile {1}
  IdentitiesOnly yes
  UserKnownHostsFile {2}
  GlobalKnownHostsFile /dev/null
)",
                                                 env.hosts[0].address, env.client_key, known));
}

// The JSON document in what virtplan printed (stderr is merged into it: a
// warning may come first).
nlohmann::json json_of(const std::string& output) {
  const auto start = output.find("{\n");
  const auto end = output.rfind('}');
  REQUIRE(start != std::string::npos);
  REQUIRE(end != std::string::npos);
  return nlohmann::json::parse(output.substr(start, end - start + 1));
}

using Verdicts =
    std::map<std::string, std::pair<std::string, std::string>>;  // "host check" -> verdict, detail

Verdicts verdicts(const nlohmann::json& doc) {
  Verdicts out;
  for (const auto& c : doc.at("checks")) {
    out[c.at("host").get<std::string>() + " " + c.at("check").get<std::string>()] = {c.at("verdict"),
                                                                                     c.at("detail")};
  }
  return out;
}

}  // namespace

TEST_CASE(
    "hosts --check: a table per host and check, with hops, the same host twice and failing checks, exits 1") {
  const LabEnv env = require_lab(2);
  const std::string tag = tag_for('k');
  ScratchDir scratch;
  const std::string config = bastion_config(scratch, env);
  const std::string stack = scratch.write(
      "stack.yaml",
      fmt::format("stack: hc-{0}\nhosts:\n"
                  "  hv0:\n    address: ssh://root@{1}:22\n    identity: {2}\n    known_hosts: {3}\n"
                  "  hv1:\n    address: ssh://root@{4}:22\n    identity: {2}\n    known_hosts: {3}\n"
                  "  behind:\n    address: ssh://vp-behind\n    ssh_config: {5}\n"
                  "pools:\n"
                  "  good-{0}: {{host: hv1, type: dir, path: /var/lib/virtplan/hc-{0}}}\n"
                  "  bad-{0}: {{host: behind, type: dir, path: /var/lib/virtplan/hcfile-{0}/pool}}\n"
                  "volumes:\n"
                  "  small-{0}: {{host: hv1, pool: good-{0}, capacity: 16MiB}}\n"
                  "  huge-{0}: {{host: behind, pool: bad-{0}, capacity: 900TiB}}\n"
                  "networks:\n"
                  "  n-{0}: {{host: hv1, mode: nat, bridge: vphc{6}, ipv4: {{address: 10.{6}.0.1/24}}}}\n"
                  "  taken-{0}: {{host: hv1, mode: nat, bridge: eth0, ipv4: {{address: 10.{7}.0.1/24}}}}\n"
                  "domains:\n"
                  "  d-{0}: {{host: hv1, vcpus: 1, memory: 64MiB, virt_type: qemu}}\n",
                  tag, env.hosts[0].address, env.client_key, env.known_hosts, env.hosts[1].address, config,
                  211, 212));

  // A file where the pool's directory would have to be made.
  env.run_in(0, "touch /var/lib/virtplan/hcfile-" + tag);
  const auto table = run_virtplan("hosts --check -f " + stack);
  INFO(table.output);
  CHECK(table.status == 1);
  CHECK(has(table.output, "HOST"));
  CHECK(has(table.output, "VERDICT"));

  const auto json_run = run_virtplan("hosts --check --json -f " + stack);
  INFO(json_run.output);
  CHECK(json_run.status == 1);
  const auto doc = json_of(json_run.output);
  const Verdicts v = verdicts(doc);
  auto at = [&](const std::string& key) {
    auto it = v.find(key);
    INFO(key);
    REQUIRE(it != v.end());
    return it->second;
  };
  // Reached, and how.
  CHECK(at("hv1 reachable") == std::pair<std::string, std::string>{"ok", env.hosts[1].address + ":22"});
  CHECK(at("behind reachable") ==
        std::pair<std::string, std::string>{"ok", "127.0.0.1:22 via bastion vp-bastion"});
  CHECK(has(at("hv1 libvirt").second, "libvirt 9."));
  CHECK(at("hv1 permission").second == "root");
  CHECK(at("hv1 kvm").first == (env.hosts[1].kvm ? "ok" : "warn"));
  // hv0 and behind are one host: named at the second of them.
  CHECK(at("behind identity").first == "ok");
  CHECK(at("hv0 identity").first == "fail");
  CHECK(has(at("hv0 identity").second, "the same host as 'behind'"));
  CHECK(at("hv1 identity").first == "ok");
  // Pools, space, bridges, NAT, memory.
  CHECK(at("hv1 pool good-" + tag) ==
        std::pair<std::string, std::string>{
            "ok", "/var/lib/virtplan/hc-" + tag + " will be made, in /var/lib/virtplan"});
  CHECK(at("behind pool bad-" + tag).first == "fail");
  CHECK(at("hv1 space good-" + tag).first == "ok");
  CHECK(at("behind space bad-" + tag).first == "fail");
  CHECK(at("hv1 bridge vphc211").first == "ok");
  CHECK(at("hv1 bridge eth0").first == "fail");
  CHECK(at("hv1 nat").first == "ok");
  CHECK(has(at("hv1 nat").second, "dnsmasq"));
  CHECK(at("hv1 memory").first == "ok");
  CHECK(doc.at("failed").get<int>() == 4);
  env.run_in(0, "rm -f /var/lib/virtplan/hcfile-" + tag);
}

TEST_CASE("hosts --check: every check passes on a plain host, and the exit status is 0") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string stack = scratch.write(
      "stack.yaml", fmt::format("stack: hc-{}\nhosts:\n{}", tag_for('o'), virtplan::lab::host_block(env, 0)));
  const auto run = run_virtplan("hosts --check --json -f " + stack);
  INFO(run.output);
  CHECK(run.status == 0);
  const auto doc = json_of(run.output);
  CHECK(doc.at("failed") == 0);
  CHECK(verdicts(doc).contains(env.hosts[0].name + " permission"));
}

TEST_CASE("hosts --check: a user the host refuses fails the permission check, saying what to add") {
  const LabEnv env = require_lab(1);
  ScratchDir scratch;
  const std::string stack = scratch.write(
      "stack.yaml",
      fmt::format("stack: hc-{}\nhosts:\n  lab:\n    address: ssh://vplab-none@{}:22\n    identity: {}\n"
                  "    known_hosts: {}\n",
                  tag_for('p'), env.hosts[0].address, env.client_key, env.known_hosts));
  const auto run = run_virtplan("hosts --check --json -f " + stack);
  INFO(run.output);
  CHECK(run.status == 1);
  const Verdicts v = verdicts(json_of(run.output));
  REQUIRE(v.contains("lab permission"));
  CHECK(v.at("lab permission").first == "fail");
  CHECK(has(v.at("lab permission").second, "usermod -aG libvirt vplab-none"));
}

// The second lab host: the image tests hide tools on it too, each for the
// length of one test.
TEST_CASE(
    "hosts --check: the download tool is named, and a host with neither fails when it has images to fetch") {
  const LabEnv env = require_lab(2);
  ScratchDir scratch;
  const std::string tag = tag_for('q');
  const std::string stack = scratch.write(
      "stack.yaml",
      fmt::format(
          "stack: hc-{0}\nhosts:\n{1}pools:\n  p-{0}: {{host: {2}, type: dir, path: /var/lib/virtplan/hc-{0}}}\n"
          "volumes:\n  root-{0}: {{host: {2}, pool: p-{0}, format: qcow2, source: {{url: "
          "'http://10.231.0.1/none.qcow2', sha256: {3:0>64}}}}}\n",
          tag, virtplan::lab::host_block(env, 1), env.hosts[1].name, 0));
  const std::string key = env.hosts[1].name + " download";
  const auto check = [&] {
    const auto run = run_virtplan("hosts --check --json -f " + stack);
    INFO(run.output);
    const Verdicts v = verdicts(json_of(run.output));
    REQUIRE(v.contains(key));
    return v.at(key);
  };
  CHECK(check() == std::pair<std::string, std::string>{"ok", "curl (wget too)"});
  {
    const virtplan::lab::HiddenTools no_curl(env, 1, {"curl"});
    CHECK(check() == std::pair<std::string, std::string>{"ok", "wget (no curl)"});
    const virtplan::lab::HiddenTools no_wget(env, 1, {"wget"});
    const auto neither = check();
    CHECK(neither.first == "fail");
    CHECK(has(neither.second, "neither curl nor wget, but volume root-" + tag + " has an image by URL"));
  }
}

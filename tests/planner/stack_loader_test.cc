#include "planner/stack_loader.h"

#include "tests/planner/fake_kinds.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace virtplan::planner {
namespace {

using providers::Diagnostics;

struct Loaded {
  Stack stack;
  std::vector<std::string> errors;
};

Loaded load(std::vector<SourceFile> files) {
  static const testing::FakeDomainKind domains;
  static const testing::FakeVolumeKind volumes;
  providers::KindRegistry registry;
  registry.add(domains);
  registry.add(volumes);
  Diagnostics diags;
  Loaded loaded{StackLoader(registry).load(files, diags), {}};
  for (const auto& d : diags.sorted()) loaded.errors.push_back(d.str());
  return loaded;
}

Loaded load(const std::string& text) { return load({SourceFile{"s.yaml", text}}); }

const std::string k_hosts =
    "stack: demo\n"
    "hosts:\n"
    "  lab1: {address: local}\n"
    "  lab2: {address: 'ssh://root@10.0.0.2:2222'}\n";

TEST_CASE("a valid stack loads with one object per host, sorted by address") {
  auto loaded = load(k_hosts +
                     "volumes:\n"
                     "  root: {hosts: all, capacity: 10GiB}\n"
                     "domains:\n"
                     "  web: {host: lab2, vcpus: 2, disks: [{target: vda, volume: root}]}\n"
                     "  app: {hosts: [lab1], memory: 512MiB}\n");
  CHECK(loaded.errors == std::vector<std::string>{});
  CHECK(loaded.stack.name == "demo");
  REQUIRE(loaded.stack.hosts.size() == 2);
  CHECK(loaded.stack.hosts.at("lab2").port == 2222);
  CHECK(loaded.stack.hosts.at("lab1").local);
  std::vector<std::string> addresses;
  for (const auto& object : loaded.stack.objects) addresses.push_back(object.id.address());
  CHECK(addresses == std::vector<std::string>{"domain.app@lab1", "domain.web@lab2", "volume.root@lab1",
                                              "volume.root@lab2"});
  CHECK(loaded.stack.objects[0].spec["memory"] == 512 * 1024 * 1024);
  CHECK(loaded.stack.objects[0].stack == "demo");
  CHECK(loaded.stack.objects[2].spec["capacity"] == 10ULL * 1024 * 1024 * 1024);
}

TEST_CASE("unknown keys are reported at every level with a suggestion") {
  auto loaded = load(k_hosts +
                     "domians: {}\n"
                     "domains:\n"
                     "  web:\n"
                     "    host: lab1\n"
                     "    memroy: 1GiB\n"
                     "    disks:\n"
                     "      - {target: vda, volme: x}\n");
  CHECK(loaded.errors == std::vector<std::string>{
                             "s.yaml:5:1: unknown key 'domians' (did you mean 'domains'?)",
                             "s.yaml:9:5: domain.web: unknown key 'memroy' (did you mean 'memory'?)",
                             "s.yaml:11:23: domain.web: unknown key 'volme' (did you mean 'volume'?)",
                         });
}

TEST_CASE("duplicate YAML keys are reported at the second, naming the first's line") {
  auto loaded = load(k_hosts +
                     "domains:\n"
                     "  web:\n"
                     "    host: lab1\n"
                     "    vcpus: 1\n"
                     "    vcpus: 2\n"
                     "  web: {host: lab1}\n");
  CHECK(loaded.errors == std::vector<std::string>{
                             "s.yaml:9:5: duplicate key 'vcpus' (first at line 8)",
                             "s.yaml:10:3: duplicate key 'web' (first at line 6)",
                         });
}

TEST_CASE("an empty declaration is reported at its name, not after its line") {
  auto loaded = load(k_hosts +
                     "domains:\n"
                     "  web:\n"
                     "  db: {host: lab1, memory: 1GiB}\n");
  CHECK(loaded.errors == std::vector<std::string>{"s.yaml:6:3: domain.web: expected a map, got nothing"});
}

TEST_CASE("a name declared in two files is reported at the second, naming the first") {
  auto loaded = load({SourceFile{"d/a.yaml", k_hosts + "domains:\n  web: {host: lab1}\n"},
                      SourceFile{"d/b.yaml", "domains:\n  x: {host: lab1}\n  web: {host: lab2}\n"}});
  CHECK(loaded.errors ==
        std::vector<std::string>{"d/b.yaml:3:3: domain 'web' is declared twice (first at d/a.yaml:6:3)"});
}

TEST_CASE("a profile's keys go under the domain's own and errors in them point into the profile") {
  auto loaded = load(k_hosts +
                     "profiles:\n"
                     "  small: {vcpus: 1, memory: 512MiB, firmware: uefl, colour: red}\n"
                     "domains:\n"
                     "  web: {host: lab1, profile: small, memory: 1GiB}\n"
                     "  db: {host: lab1, profile: smal}\n");
  CHECK(loaded.errors ==
        std::vector<std::string>{
            "s.yaml:6:47: profile small: expected one of bios, uefi, got 'uefl' (did you mean 'uefi'?)",
            "s.yaml:6:53: profile small: unknown key 'colour'",
            "s.yaml:9:29: domain.db: profile 'smal' is not declared in 'profiles:' (did you mean 'small'?)",
        });
  const auto& web = loaded.stack.objects[1];
  REQUIRE(web.id.name == "web");
  CHECK(web.spec["vcpus"] == 1);
  CHECK(web.spec["memory"] == 1024 * 1024 * 1024);  // the domain wins
}

TEST_CASE("validate: two host entries with one address, however it is spelled, are refused naming both") {
  auto loaded = load(
      "stack: demo\n"
      "hosts:\n"
      "  hv1: {address: 'ssh://root@10.0.0.2:22'}\n"
      "  hv1-again: {address: 'ssh://10.0.0.2'}\n"
      "  hv1-upper: {address: 'ssh://root@HV.example'}\n"
      "  hv1-lower: {address: 'ssh://hv.example:22'}\n"
      "  here: {address: local}\n"
      "  here-too: {address: local}\n"
      "  other-port: {address: 'ssh://root@10.0.0.2:2222'}\n"
      "  other-user: {address: 'ssh://ops@10.0.0.2'}\n");
  CHECK(loaded.errors ==
        std::vector<std::string>{
            "s.yaml:4:3: host 'hv1-again' has the same address as host 'hv1' (at s.yaml:3:3): "
            "ssh://root@10.0.0.2:22; one hypervisor must be declared once",
            "s.yaml:6:3: host 'hv1-lower' has the same address as host 'hv1-upper' (at s.yaml:5:3): "
            "ssh://root@hv.example:22; one hypervisor must be declared once",
            "s.yaml:8:3: host 'here-too' has the same address as host 'here' (at s.yaml:7:3): local; one "
            "hypervisor must be declared once"});
}

TEST_CASE("placement: an undeclared host, both host and hosts, neither") {
  auto loaded = load(k_hosts +
                     "domains:\n"
                     "  a: {host: lab3}\n"
                     "  b: {host: lab1, hosts: all}\n"
                     "  c: {vcpus: 1}\n"
                     "  d: {hosts: [lab1, lab1, nope]}\n");
  CHECK(loaded.errors == std::vector<std::string>{
                             "s.yaml:6:13: domain.a: host 'lab3' is not declared in 'hosts:'",
                             "s.yaml:7:26: domain.b: give either 'host' or 'hosts', not both",
                             "s.yaml:8:3: domain.c: missing 'host' (or 'hosts: [...]' or 'hosts: all')",
                             "s.yaml:9:21: domain.d: host 'lab1' is listed twice",
                             "s.yaml:9:27: domain.d: host 'nope' is not declared in 'hosts:'",
                         });
}

TEST_CASE("references to undeclared objects get a suggestion, and kind checks run") {
  auto loaded = load(k_hosts +
                     "volumes:\n"
                     "  web-root: {host: lab1}\n"
                     "  other: {host: lab2}\n"
                     "domains:\n"
                     "  web: {host: lab1, mac: m1, disks: [{target: vda, volume: web-rot}]}\n"
                     "  db: {host: lab1, mac: m1, disks: [{target: vda, volume: other}]}\n");
  CHECK(loaded.errors ==
        std::vector<std::string>{
            "s.yaml:9:26: domain.web@lab1: mac m1 is also used by domain.db@lab1",
            "s.yaml:9:60: domain.web@lab1: volume 'web-rot' is not declared in the stack (did you "
            "mean 'web-root'?)",
            "s.yaml:10:59: domain.db@lab1: volume 'other' is not placed on host lab1 (it is on lab2)",
        });
}

TEST_CASE("stack name: missing, invalid, and names breaking the names rule") {
  CHECK(load("hosts: {}\n").errors ==
        std::vector<std::string>{"s.yaml:1:1: missing 'stack:' (the stack's name, as in 'stack: demo')"});
  CHECK(load("stack: -x\n").errors ==
        std::vector<std::string>{"s.yaml:1:8: invalid name '-x': a name may not start with '.' or '-'"});
  CHECK(load(k_hosts + "domains:\n  'a b': {host: lab1}\n  .x: {host: lab1}\n").errors ==
        std::vector<std::string>{
            "s.yaml:6:3: invalid name 'a b': a name may hold only letters, digits, '.', '_', '+' and '-'",
            "s.yaml:7:3: invalid name '.x': a name may not start with '.' or '-'"});
}

TEST_CASE("file-level problems are reported with their place") {
  CHECK(load("").errors == std::vector<std::string>{"s.yaml:1:1: the file is empty"});
  CHECK(load("# only a comment\n").errors == std::vector<std::string>{"s.yaml:1:1: the file is empty"});
  CHECK(load("stack: demo\nhosts: {a: [}\n").errors.at(0).starts_with("s.yaml:2:"));
  CHECK(load("stack: demo\nx: ab\xff\n").errors ==
        std::vector<std::string>{"s.yaml:2:6: the file is not valid UTF-8 (byte 0xff)"});
  CHECK(load("stack: demo\n\x01").errors ==
        std::vector<std::string>{"s.yaml:2:1: control character 0x01 is not allowed in a stack file"});
  // yaml-cpp 0.7 loops forever on a stray ',' at block level, unless stopped.
  CHECK(load(",s x\n").errors == std::vector<std::string>{"s.yaml:1:1: invalid YAML: unexpected ',' here"});
  CHECK(load("- a\n- b\n").errors ==
        std::vector<std::string>{
            "s.yaml:1:1: a stack file must be a map of sections (stack, hosts, profiles, domains, ...)"});
  CHECK(load(std::string(5 * 1024 * 1024, ' ')).errors ==
        std::vector<std::string>{"s.yaml:1:1: the file is larger than 4 MiB, the limit for a stack file"});
}

TEST_CASE("deep nesting is refused before it can overflow the parser's stack") {
  std::string flow = "stack: demo\nx: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  auto errors = load(flow).errors;
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "s.yaml:2:67: nesting deeper than 64 levels is not supported");
  std::string block = "stack: demo\n";
  for (int i = 0; i < 100; ++i) block += std::string(i, ' ') + "k:\n";
  errors = load(block).errors;
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].ends_with("nesting deeper than 64 levels is not supported"));
}

TEST_CASE("aliases are refused (no billion laughs)") {
  auto errors = load("stack: demo\na: &a [x, x]\nb: [*a, *a]\n").errors;
  CHECK(errors == std::vector<std::string>{
                      "s.yaml:3:5: YAML aliases (*name) are not supported; write the value out, or "
                      "use a profile for shared domain settings",
                      "s.yaml:3:9: YAML aliases (*name) are not supported; write the value out, or "
                      "use a profile for shared domain settings"});
}

TEST_CASE("hosts: addresses, enums, paths") {
  auto loaded = load(
      "stack: demo\n"
      "hosts:\n"
      "  a: {address: 'ssh://admin@[fe80::1]:2200', identity: ~/k, host_key: accept-new, become: sudo}\n"
      "  b: {address: 'ssh://h', libvirt: 'qemu+tcp://x/system', known_hosts: /kh}\n"
      "  c: {address: 'ftp://x', host_key: strickt, becom: sudo}\n"
      "  d: {address: 'ssh://h:99999'}\n"
      "  e: {libvirt: qemu}\n");
  auto& a = loaded.stack.hosts.at("a");
  CHECK(a.user == "admin");
  CHECK(a.hostname == "fe80::1");
  CHECK(a.port == 2200);
  CHECK(a.identity.value_or("").ends_with("/k"));
  CHECK_FALSE(a.identity.value_or("~").starts_with("~"));
  CHECK(a.host_key == providers::HostKeyPolicy::accept_new);
  CHECK(a.become == providers::Become::sudo);
  auto& b = loaded.stack.hosts.at("b");
  CHECK(b.user == "root");
  CHECK(b.port == 22);
  CHECK(b.libvirt_uri == "qemu+tcp://x/system");
  CHECK(b.known_hosts == "/kh");
  CHECK(
      loaded.errors ==
      std::vector<std::string>{
          "s.yaml:5:16: host c: address 'ftp://x': unknown scheme (expected 'local', "
          "ssh://[USER@]HOST[:PORT] or qemu+ssh://[USER@]HOST[:PORT]/system)",
          "s.yaml:5:37: host c: expected one of strict, accept-new, got 'strickt' (did you mean "
          "'strict'?)",
          "s.yaml:5:46: host c: unknown key 'becom' (did you mean 'become'?)",
          "s.yaml:6:16: host d: address 'ssh://h:99999': bad port or trailing text ':99999' "
          "(expected 'local', ssh://[USER@]HOST[:PORT] or qemu+ssh://[USER@]HOST[:PORT]/system)",
          "s.yaml:7:6: host e: missing 'address' (local, ssh://[USER@]HOST[:PORT] or qemu+ssh://[USER@]HOST[:PORT]/system)",
          "s.yaml:7:16: host e: 'qemu' is not a libvirt URI (such as qemu:///system)",
      });
}

}  // namespace
}  // namespace virtplan::planner

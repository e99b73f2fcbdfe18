// Observing a host with every kind's reader (cli::kind_readers()) against a
// fake virsh host: how many virsh processes (round trips) it takes, with the
// stack's objects as hints and without, and that the hints change nothing
// observed.

#include "cli/kinds.h"
#include "planner/observer.h"
#include "tests/providers/fake_virsh_host.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

using providers::StackObject;

// What the fake host holds: pools with their volumes, domains (each using one
// volume of pool bp), networks. Domains listed in `running` run.
struct HostContents {
  std::map<std::string, std::vector<std::string>> pools;
  std::map<std::string, std::string> domains;  // name -> its volume in bp
  std::set<std::string> running;
  std::vector<std::string> networks;
  // Declared but not on the host: their dumps fail "not found".
  std::vector<std::string> missing_domains;
  std::vector<std::string> missing_volumes;  // in bp
  // Domains whose disk names its volume by path, as virt-install writes it.
  std::set<std::string> by_path;
};

std::string lines(const auto& names) {
  std::string out;
  for (const auto& name : names) out += name + "\n";
  return out;
}

// Fixture text, as libvirt 9.0 prints it (trimmed to what the kinds read).
std::string domain_xml(const std::string& name, const std::string& volume, bool by_path = false) {
  const std::string disk =
      by_path ? fmt::format(
                    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source "
                    "file='/var/lib/virtplan/bp/{}'/>",
                    volume)
              : fmt::format(
                    "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source "
                    "pool='bp' volume='{}'/>",
                    volume);
  return fmt::format(
      "<domain type='qemu'><name>{}</name><metadata><vp:owner xmlns:vp=\"https://virtplan.dev/xmlns/owner/1\" "
      "stack=\"bench\"/></metadata><memory unit='KiB'>65536</memory><vcpu>1</vcpu><os><type arch='x86_64' "
      "machine='pc-q35-7.2'>hvm</type></os><devices>{}<target dev='vda' bus='virtio'/></disk></devices></domain>",
      name, disk);
}

std::string volume_xml(const std::string& pool, const std::string& name) {
  return fmt::format(
      "<volume type='file'><name>{1}</name><key>/var/lib/virtplan/{0}/{1}</key><capacity "
      "unit='bytes'>67108864</capacity><target><path>/var/lib/virtplan/{0}/{1}</path><format "
      "type='qcow2'/></target></volume>",
      pool, name);
}

void script(providers::test::FakeVirshHost& host, const HostContents& contents) {
  std::vector<std::string> domains;
  for (const auto& [name, volume] : contents.domains) {
    domains.push_back(name);
    const bool by_path = contents.by_path.contains(name);
    host.on("dumpxml --inactive --security-info --domain " + name, domain_xml(name, volume, by_path));
    host.on("dumpxml --domain " + name, domain_xml(name, volume, by_path));
  }
  for (const std::string& name : contents.missing_domains) {
    for (const std::string& line :
         {"dumpxml --inactive --security-info --domain " + name, "dumpxml --domain " + name}) {
      host.fail(line, fmt::format("error: failed to get domain '{}'\n", name));
    }
  }
  host.on("list --all --name", lines(domains));
  host.on("list --all --name --autostart", "");
  std::vector<std::string> shut_off;
  for (const std::string& name : domains)
    if (!contents.running.contains(name)) shut_off.push_back(name);
  host.on("list --all --name --state-shutoff", lines(shut_off));
  host.on("list --name --state-paused", "");
  host.on("list --name", lines(contents.running));
  host.on("net-list --all --name", lines(contents.networks));
  host.on("net-list --all --name --autostart", "");
  for (const std::string& name : contents.networks) {
    host.on("net-dumpxml --inactive --network " + name,
            fmt::format(
                "<network><name>{}</name><metadata><vp:owner xmlns:vp=\"https://virtplan.dev/xmlns/owner/1\" "
                "stack=\"bench\"/></metadata><forward mode='nat'/><bridge name='vpbench0'/>"
                "<ip address='10.199.0.1' netmask='255.255.0.0'/></network>",
                name));
  }
  std::vector<std::string> pools;
  for (const auto& [pool, volumes] : contents.pools) {
    pools.push_back(pool);
    host.on("pool-dumpxml --inactive --pool " + pool,
            fmt::format("<pool type='dir'><name>{0}</name><source/><target><path>/var/lib/virtplan/{0}</path>"
                        "</target></pool>",
                        pool));
    std::string table;
    for (const std::string& volume : volumes) {
      table += fmt::format(" {}   /var/lib/virtplan/{}/{}\n", volume, pool, volume);
      host.on(fmt::format("vol-dumpxml --pool {} --vol {}", pool, volume), volume_xml(pool, volume));
    }
    host.on("vol-list --pool " + pool, table);
  }
  for (const std::string& volume : contents.missing_volumes) {
    host.fail(
        "vol-dumpxml --pool bp --vol " + volume,
        fmt::format("error: failed to get vol '{}'\nerror: Storage volume not found: no storage vol with "
                    "matching path '{}'\n",
                    volume, volume));
  }
  host.on("pool-list --all --name", lines(pools));
  host.on("pool-list --all --name --autostart", "");
  host.on("pool-list --name", lines(pools));
  // The ledger: the stack owns its pool and volumes (they carry no marker).
  std::string owned = R"("pool.bp": {"state": "created"})";
  for (const auto& [pool, volumes] : contents.pools) {
    for (const std::string& volume : volumes)
      owned += fmt::format(R"(, "volume.{}": {{"state": "created"}})", volume);
  }
  host.on_other(
      "sh",
      providers::CommandOutput{
          0, fmt::format(R"({{"format_version": "1", "stack": "bench", "objects": {{{}}}}})", owned), ""});
}

StackObject declared(const std::string& kind, const std::string& name,
                     providers::Spec spec = providers::Spec::object()) {
  StackObject object;
  object.id = {kind, name, "lab1"};
  object.spec = std::move(spec);
  object.stack = "bench";
  return object;
}

// The bench's stack of n: pool bp, network bn, volumes bv1..n, domains bd1..n running.
std::vector<StackObject> bench_stack(int n) {
  std::vector<StackObject> objects{declared("pool", "bp"), declared("network", "bn")};
  for (int i = 1; i <= n; ++i) {
    objects.push_back(declared("volume", fmt::format("bv{}", i), {{"pool", "bp"}}));
    objects.push_back(declared("domain", fmt::format("bd{}", i), {{"state", "running"}}));
  }
  return objects;
}

HostContents bench_host(int n) {
  HostContents contents;
  contents.networks = {"bn"};
  contents.pools["bp"] = {};
  for (int i = 1; i <= n; ++i) {
    contents.pools["bp"].push_back(fmt::format("bv{}", i));
    contents.domains[fmt::format("bd{}", i)] = fmt::format("bv{}", i);
    contents.running.insert(fmt::format("bd{}", i));
  }
  return contents;
}

struct Observation {
  std::size_t virsh_processes = 0;
  std::map<std::string, std::pair<providers::Spec, planner::Ownership>> objects;  // by address
};

Observation observe(const HostContents& contents, const std::vector<StackObject>& hints) {
  providers::test::FakeVirshHost host;
  script(host, contents);
  auto observed = planner::observe_host(host.session(), "bench", kind_readers(), hints);
  INFO((observed ? "" : observed.error().message()));
  REQUIRE(observed.has_value());
  Observation out;
  const auto others = std::count_if(host.ran().begin(), host.ran().end(),
                                    [](const std::string& line) { return line.starts_with("! "); });
  out.virsh_processes = host.processes() - static_cast<std::size_t>(others);
  for (const auto& object : observed->objects)
    out.objects[object.id.address()] = {object.spec, object.ownership};
  return out;
}

TEST_CASE("a host holding just what the stack declares is observed in one virsh process, whatever its size") {
  for (int n : {2, 30}) {
    INFO("n = " << n);
    const Observation hinted = observe(bench_host(n), bench_stack(n));
    CHECK(hinted.virsh_processes == 1);
    CHECK(hinted.objects.size() == static_cast<std::size_t>(2 + 2 * n));
    // Without the hints: list, then dump, then the volumes' XML.
    const Observation blind = observe(bench_host(n), {});
    CHECK(blind.virsh_processes == 3);
    CHECK(hinted.objects == blind.objects);
  }
}

TEST_CASE("the hints change nothing observed: a used volume is used, owned objects are ours") {
  const Observation hinted = observe(bench_host(2), bench_stack(2));
  const auto& volume = hinted.objects.at("volume.bv1@lab1");
  CHECK(volume.first["used_by"] ==
        nlohmann::json::array({{{"domain", "bd1"}, {"disk", "vda"}, {"running", true}}}));
  CHECK(volume.second == planner::Ownership::ours);
  CHECK(hinted.objects.at("domain.bd2@lab1").second == planner::Ownership::ours);
  CHECK(hinted.objects.at("domain.bd2@lab1").first["state"] == "running");
  CHECK(hinted.objects.at("pool.bp@lab1").first["volumes"] == nlohmann::json::array({"bv1", "bv2"}));
}

TEST_CASE("undeclared objects are still read, in a number of round trips that does not grow with the host") {
  for (int n : {2, 30}) {
    INFO("n = " << n);
    // An owned domain and volume the stack no longer declares (to destroy),
    // in the declared pool: one more round reads them.
    HostContents leftover = bench_host(n);
    leftover.domains["old"] = "oldv";
    leftover.pools["bp"].push_back("oldv");
    const Observation second = observe(leftover, bench_stack(n));
    CHECK(second.virsh_processes == 2);
    CHECK(second.objects.at("domain.old@lab1").second == planner::Ownership::ours);
    CHECK(second.objects.at("volume.oldv@lab1").first["used_by"].size() == 1);
    CHECK(second.objects == observe(leftover, {}).objects);

    // A pool the stack does not declare: its volumes are listed, then read.
    HostContents other = leftover;
    other.pools["other"] = {"x", "y"};
    const Observation third = observe(other, bench_stack(n));
    CHECK(third.virsh_processes == 3);
    CHECK(third.objects.contains("pool.other@lab1"));
    CHECK(third.objects.at("volume.y@lab1").first["pool"] == "other");
    CHECK(third.objects == observe(other, {}).objects);
  }
}

TEST_CASE("a disk that names its volume by path is that volume, in the same round trips") {
  HostContents contents = bench_host(2);
  contents.by_path = {"bd2"};
  const Observation hinted = observe(contents, bench_stack(2));
  CHECK(hinted.virsh_processes == 1);
  const Observation blind = observe(contents, {});
  CHECK(blind.virsh_processes == 3);
  CHECK(hinted.objects == blind.objects);
  const nlohmann::json& vda = hinted.objects.at("domain.bd2@lab1").first["disks"]["vda"];
  CHECK(vda["volume"] == "bv2");
  CHECK(vda["pool"] == "bp");
  // Read by path or by pool and volume, the two domains' disks are alike.
  nlohmann::json other = hinted.objects.at("domain.bd1@lab1").first["disks"]["vda"];
  other["volume"] = "bv2";
  CHECK(vda == other);
  CHECK(hinted.objects.at("volume.bv2@lab1").first["used_by"].size() == 1);
}

TEST_CASE("a declared object the host lacks is not observed, and costs no round trip") {
  HostContents contents = bench_host(2);
  contents.missing_domains = {"bd3"};
  contents.missing_volumes = {"bv3"};
  const Observation observed = observe(contents, bench_stack(3));
  CHECK(observed.virsh_processes == 1);
  CHECK_FALSE(observed.objects.contains("domain.bd3@lab1"));
  CHECK_FALSE(observed.objects.contains("volume.bv3@lab1"));
  CHECK(observed.objects.size() == 6);
}

}  // namespace
}  // namespace virtplan::cli

// Every rule of every kind's field rules (providers/kind/field_rules.h), walked:
// a sample change that the rule decides is planned (the kind's spec diff
// records the impact the plan shows) and applied by the kind's actuator, as
// registered, to a running object on a host that records its commands. What
// apply did must be what the plan said:
//   none     no restart; the rule's live way ran when it has one
//   live     the rule's live way ran, and no restart
//   restart  the object was restarted
//   replace  the plan replaces the object (update never runs)
// A rule without a sample fails, so a new rule comes with its case.

#include "cli/kinds.h"
#include "kvm/domain_actuator.h"
#include "kvm/domain_kind.h"
#include "planner/diff.h"
#include "planner/spec_diff.h"
#include "providers/base/json_path.h"
#include "tests/providers/fake_virsh_host.h"
#include "tests/support/kind_fixture.h"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

using namespace virtplan;
using nlohmann::json;
using providers::FieldChange;
using providers::FieldRule;
using providers::Impact;
using providers::test::FakeVirshHost;
using Lines = std::vector<std::string>;

namespace {

// One change a rule decides: the object before and after (its YAML, then a
// JSON merge patch for what the YAML cannot say), and the command that shows
// the live way ran when it is not the rule's own name.
struct Sample {
  std::string_view kind;
  std::string_view pattern;
  std::string_view live;
  std::string before;
  std::string after;
  json patch_before = nullptr;
  json patch_after = nullptr;
  std::string_view shows = {};
};

const std::string k_domain = "vcpus: {current: 1, max: 2}\nmemory: 128MiB\nvirt_type: qemu\n";
const std::string k_sda_cdrom = "disks:\n  - {cdrom: true, target: sda}\n";
const std::string k_nic = "interfaces:\n  - {network: lan, mac: \"52:54:00:00:00:10\"}\n";
const std::string k_network = R"(mode: nat
bridge: vpb0
autostart: true
ipv4:
  address: 10.77.0.1/24
  dhcp:
    range: 10.77.0.100-10.77.0.199
    hosts:
      - {mac: "52:54:00:00:00:10", ip: 10.77.0.10, name: web}
)";
const std::string k_pool = "type: dir\npath: /var/lib/virtplan/images\n";
const std::string k_volume = "pool: images\ncapacity: 1GiB\n";
// A base_only volume's image by URL (storage/volume_spec.h), as its spec holds it.
json base_image(const std::string& key, const std::string& digest) {
  return {{"base_only", true}, {"source_url", "http://a/d"}, {key, digest}};
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

const std::vector<Sample>& samples() {
  static const std::vector<Sample> all = {
      // domain
      {"domain", "/restart", "metadata", k_domain + "restart: if-needed\n", k_domain + "restart: never\n"},
      {"domain", "/wait/**", "metadata", k_domain + k_nic, k_domain + k_nic + "wait: {ip: true}\n"},
      {"domain", "/shutdown_timeout", "metadata", k_domain, k_domain + "shutdown_timeout: 30\n"},
      {"domain", "/autostart", "autostart", k_domain + "autostart: true\n", k_domain + "autostart: false\n"},
      {"domain", "/state", "power", k_domain + "state: running\n", k_domain + "state: paused\n", nullptr,
       nullptr, "suspend"},
      {"domain", "/title", "desc --title", k_domain, k_domain + "title: web server\n"},
      {"domain", "/description", "desc", k_domain, k_domain + "description: serves the web\n"},
      {"domain", "/vcpus/current", "setvcpus", k_domain, replaced(k_domain, "current: 1", "current: 2")},
      {"domain", "/memory/current", "setmem", k_domain,
       replaced(k_domain, "memory: 128MiB", "memory: {current: 96MiB, max: 128MiB}")},
      {"domain", "/disks/*", "attach-device", k_domain,
       k_domain + "disks:\n  - {volume: b, pool: p, target: vdb, bus: virtio}\n"},
      {"domain", "/disks/*", "detach-device",
       k_domain + "disks:\n  - {volume: b, pool: p, target: sdb, bus: scsi}\n", k_domain},
      {"domain", "/disks/*/media/**", "update-device", k_domain + k_sda_cdrom,
       k_domain + "disks:\n  - {cdrom: true, target: sda, volume: iso, pool: p}\n"},
      {"domain", "/interfaces/*", "attach-device", k_domain, k_domain + k_nic},
      {"domain", "/interfaces/*", "detach-device", k_domain + k_nic, k_domain},
      {"domain", "/interfaces/*/network", "update-device", k_domain + k_nic,
       k_domain + replaced(k_nic, "network: lan", "network: lan2")},
      {"domain", "/interfaces/*/bridge", "update-device",
       k_domain + replaced(k_nic, "network: lan", "bridge: br0"),
       k_domain + replaced(k_nic, "network: lan", "bridge: br1")},
      {"domain", "/interfaces/*/link", "update-device", k_domain + k_nic,
       k_domain + replaced(k_nic, "mac:", "link: down, mac:")},
      {"domain", "/hostdevs/*", "attach-device", k_domain,
       k_domain + "hostdevs:\n  - {pci: \"0000:03:00.1\"}\n"},
      {"domain", "/hostdevs/*", "detach-device", k_domain + "hostdevs:\n  - {pci: \"0000:03:00.1\"}\n",
       k_domain},
      {"domain", "/interfaces/*/bandwidth/**", "domiftune",
       k_domain +
           "interfaces:\n  - {network: lan, mac: \"52:54:00:00:00:10\", bandwidth: {inbound: {average: 1}}}\n",
       k_domain +
           "interfaces:\n  - {network: lan, mac: \"52:54:00:00:00:10\", bandwidth: {inbound: {average: 2}}}\n"},
      {"domain", "/disks/*/iotune/**", "blkdeviotune",
       k_domain + "disks:\n  - {volume: b, pool: p, target: vdb, iotune: {total_iops_sec: 100}}\n",
       k_domain + "disks:\n  - {volume: b, pool: p, target: vdb, iotune: {total_iops_sec: 200}}\n"},
      {"domain", "/graphics/password", "update-device", k_domain + "graphics: {type: vnc, password: a}\n",
       k_domain + "graphics: {type: vnc, password: b}\n"},
      {"domain", "/**", "", k_domain, replaced(k_domain, "max: 2", "max: 4")},
      // network
      {"network", "/ipv4/dhcp/hosts/**", "net-update", k_network,
       k_network + "      - {mac: \"52:54:00:00:00:11\", ip: 10.77.0.11, name: db}\n"},
      {"network", "/ipv4/dhcp/range/**", "net-update", k_network,
       replaced(k_network, "10.77.0.199", "10.77.0.149")},
      {"network", "/dns/hosts/**", "net-update", k_network,
       k_network + "dns:\n  hosts:\n    - {ip: 10.77.0.10, names: [web.lan]}\n"},
      {"network", "/autostart", "net-autostart", k_network,
       replaced(k_network, "autostart: true", "autostart: false")},
      {"network", "/**", "", k_network, replaced(k_network, "bridge: vpb0", "bridge: vpb1")},
      // pool
      {"pool", "/autostart", "pool-autostart", k_pool + "autostart: true\n", k_pool + "autostart: false\n"},
      {"pool", "/active", "pool-start", k_pool, k_pool, {{"active", false}}, {{"active", true}}},
      {"pool", "/**", "", k_pool, replaced(k_pool, "/images", "/other")},
      // volume
      {"volume", "/protect", "", k_volume, k_volume + "protect: true\n"},
      {"volume", "/allow_shrink", "", k_volume, k_volume + "allow_shrink: true\n"},
      {"volume", "/source", "", k_volume, k_volume, {{"source", "/a.img"}}, {{"source", "/b.img"}}},
      {"volume", "/source_sha256", "", k_volume, k_volume, nullptr, {{"source_sha256", "aa"}}},
      {"volume", "/source_sha512", "", k_volume, k_volume, nullptr, {{"source_sha512", "aa"}}},
      {"volume", "/source_fetch", "", k_volume, k_volume, nullptr, {{"source_fetch", "client"}}},
      {"volume", "/backing_sha256", "", k_volume, k_volume, nullptr, {{"backing_sha256", "aa"}}},
      {"volume", "/backing_sha512", "", k_volume, k_volume, nullptr, {{"backing_sha512", "aa"}}},
      {"volume",
       "/backing_url",
       "",
       k_volume,
       k_volume,
       {{"backing_url", "http://a/d"}},
       {{"backing_url", "http://mirror/d"}}},
      {"volume",
       "/backing_checksum_url",
       "",
       k_volume,
       k_volume,
       {{"backing_checksum_url", "http://a/S"}},
       {{"backing_checksum_url", "http://b/S"}}},
      {"volume",
       "/source_url",
       "",
       k_volume,
       k_volume,
       {{"source_url", "http://a/d"}},
       {{"source_url", "http://mirror/d"}}},
      {"volume",
       "/source_checksum_url",
       "",
       k_volume,
       k_volume,
       {{"source_checksum_url", "http://a/S"}},
       {{"source_checksum_url", "http://b/S"}}},
      {"volume", "/base_only", "", k_volume, k_volume, nullptr, {{"base_only", true}}},
      {"volume", "/base_sha256", "", k_volume, k_volume, nullptr, {{"base_sha256", "aa"}}},
      {"volume", "/base_sha512", "", k_volume, k_volume, nullptr, {{"base_sha512", "aa"}}},
      // A base's new image: the file made anew (deleted once the image is cached).
      {"volume", "/base_sha256", "new-base", k_volume, k_volume, base_image("base_sha256", "aa"),
       base_image("base_sha256", "bb"), "vol-delete --pool images --vol lan"},
      {"volume", "/base_sha512", "new-base", k_volume, k_volume, base_image("base_sha512", "aa"),
       base_image("base_sha512", "bb"), "vol-delete --pool images --vol lan"},
      {"volume", "/capacity", "vol-resize", k_volume, replaced(k_volume, "1GiB", "2GiB")},
      {"volume",
       "/cloud_init/sha256",
       "",
       k_volume,
       k_volume,
       {{"cloud_init", {{"sha256", "aa"}}}},
       {{"cloud_init", {{"sha256", "bb"}}}}},
      {"volume",
       "/cloud_init/*/**",
       "",
       k_volume,
       k_volume,
       {{"cloud_init", {{"user_data", "a"}}}},
       {{"cloud_init", {{"user_data", "b"}}}}},
      {"volume", "/**", "", k_volume, k_volume + "format: qcow2\n"},
  };
  return all;
}

const Sample* sample_for(std::string_view kind, const FieldRule& rule) {
  for (const Sample& sample : samples()) {
    if (sample.kind == kind && sample.pattern == rule.pattern && sample.live == rule.live) return &sample;
  }
  return nullptr;
}

providers::StackObject parsed(const providers::ResourceKind& kind, const std::string& yaml,
                              const json& patch) {
  auto object = test::parse_object(kind, kind.kind() == "domain" ? "web" : "lan", yaml);
  for (const auto& m : object.messages()) UNSCOPED_INFO(m);
  REQUIRE(object.diags.empty());
  if (!patch.is_null()) object.object.spec.merge_patch(patch);
  return object.object;
}

std::string create_xml(const providers::ResourceKind& kind, const providers::StackObject& object) {
  auto xml = kind.create_xml(object);
  REQUIRE(xml);
  return *xml;
}

// A running object of `kind` as the host holds it: `before`, and after a
// (re)define `after`.
void script_running(FakeVirshHost& host, const providers::ResourceKind& kind,
                    const providers::StackObject& before, const providers::StackObject& after) {
  if (kind.kind() == "domain") {
    host.on("domstate --domain web", "running\n");
    host.then("dumpxml --inactive --security-info --domain web", create_xml(kind, before));
    host.on("dumpxml --inactive --security-info --domain web", create_xml(kind, after));
    // Live reads: before and after a detach, before and after an attach.
    for (const auto* object : {&before, &after, &before})
      host.then("dumpxml --domain web", create_xml(kind, *object));
    host.on("dumpxml --domain web", create_xml(kind, after));
  } else if (kind.kind() == "network") {
    host.on("net-info --network lan", "Name:           lan\nActive:         yes\n");
    host.then("net-dumpxml --inactive --network lan", create_xml(kind, before));
    host.on("net-dumpxml --inactive --network lan", create_xml(kind, after));
  } else if (kind.kind() == "volume") {
    host.on("vol-dumpxml --pool images --vol lan",
            "<volume><name>lan</name><target><path>/var/lib/virtplan/images/lan</path></target></volume>");
    // A base's new image, fetched into the host's cache.
    host.on_other("sh", providers::CommandOutput{0,
                                                 "fetching curl\nimage /var/lib/virtplan/cache/sha256-bb\n"
                                                 "{\"virtual-size\": 1048576, \"format\": \"qcow2\"}\n",
                                                 ""});
  }
}

kvm::DomainTiming quick() {
  kvm::DomainTiming timing;
  timing.shutdown_timeout = std::chrono::milliseconds(0);
  timing.detach_timeout = std::chrono::milliseconds(0);
  timing.poll_interval = std::chrono::milliseconds(1);
  return timing;
}

// The kind's actuator as registered; a domain's with quick timeouts.
const providers::KindActuator& actuator_of(std::string_view kind) {
  static const kvm::DomainActuator k_quick_domain(quick());
  if (kind == "domain") return k_quick_domain;
  const providers::KindActuator* actuator = cli::kind_actuator(kind);
  REQUIRE(actuator != nullptr);
  return *actuator;
}

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

// Whether a command ran whose first word is `way`'s and that has its other words.
bool ran_way(const Lines& ran, std::string_view way) {
  const auto want = words(way);
  return std::any_of(ran.begin(), ran.end(), [&](const std::string& line) {
    const auto got = words(line);
    return !got.empty() && got[0] == want[0] &&
           std::all_of(want.begin(), want.end(), [&](const std::string& w) {
             return std::find(got.begin(), got.end(), w) != got.end();
           });
  });
}

// Whether the running object was stopped and started again.
bool restarted(std::string_view kind, const Lines& ran) {
  const std::string stop = kind == "network" ? "net-destroy" : kind == "pool" ? "pool-destroy" : "shutdown";
  const std::string start = kind == "network" ? "net-start" : kind == "pool" ? "pool-start" : "start";
  return ran_way(ran, stop) && ran_way(ran, start);
}

void check_rule(const providers::ResourceKind& kind, const FieldRule& rule) {
  const Sample* sample = sample_for(kind.kind(), rule);
  INFO(fmt::format("{} rule {} ({})", kind.kind(), rule.pattern,
                   rule.live.empty() ? "no live way" : rule.live));
  REQUIRE(sample != nullptr);
  const auto before = parsed(kind, sample->before, sample->patch_before);
  const auto after = parsed(kind, sample->after, sample->patch_after);

  // The plan: the sample's changes, and among them one this rule decides.
  const std::vector<FieldChange> fields = planner::diff_specs(kind, after.spec, before.spec);
  for (const auto& f : fields) UNSCOPED_INFO("changed " << f.path << ": " << f.before << " -> " << f.after);
  const auto decided = std::find_if(fields.begin(), fields.end(), [&](const FieldChange& f) {
    return &kind.field_rules().rule_for(f.path, f.before, f.after) == &rule;
  });
  REQUIRE(decided != fields.end());
  CHECK(decided->impact == rule.impact);
  const planner::Action action = planner::choose_action(fields);
  if (rule.impact == Impact::replace) {
    CHECK(action == planner::Action::replace);
    return;
  }
  REQUIRE(action == planner::Action::update);

  // Apply, to a running object.
  FakeVirshHost host;
  script_running(host, kind, before, after);
  providers::ActuatorStep step;
  step.desired = after;
  step.before = before.spec;
  step.fields = fields;
  auto done = actuator_of(kind.kind()).update(step, host.session());
  for (const auto& line : host.ran()) UNSCOPED_INFO("ran " << line);
  if (!done) FAIL(done.error().message());
  const std::string_view shows = sample->shows.empty() ? rule.live : sample->shows;
  if (rule.impact == Impact::restart) {
    CHECK(restarted(kind.kind(), host.ran()));
  } else {
    CHECK_FALSE(restarted(kind.kind(), host.ran()));
    if (!shows.empty()) CHECK(ran_way(host.ran(), shows));
  }
}

}  // namespace

TEST_CASE("plan == apply: every field rule of every kind is applied the way the plan shows it") {
  const auto kinds = cli::kinds().kinds();
  REQUIRE(kinds.size() == 4);
  for (const providers::ResourceKind* kind : kinds) {
    const auto rules = kind->field_rules().rules();
    REQUIRE_FALSE(rules.empty());
    // A catch-all last, so every field has a rule.
    CHECK(rules.back().pattern == "/**");
    for (const FieldRule& rule : rules) check_rule(*kind, rule);
  }
}

TEST_CASE("every sample is a rule's: none is left over from a rule that is gone") {
  for (const Sample& sample : samples()) {
    const providers::ResourceKind* kind = cli::kinds().by_kind(sample.kind);
    REQUIRE(kind != nullptr);
    const auto rules = kind->field_rules().rules();
    INFO(sample.kind << " " << sample.pattern << " " << sample.live);
    CHECK(std::any_of(rules.begin(), rules.end(), [&](const FieldRule& rule) {
      return rule.pattern == sample.pattern && rule.live == sample.live;
    }));
  }
}

TEST_CASE(
    "a domain change the plan showed as live without a live way fails and changes nothing, never restarts") {
  FakeVirshHost host;
  const auto before = parsed(kvm::domain_kind(), k_domain, nullptr);
  const auto after = parsed(kvm::domain_kind(), replaced(k_domain, "max: 2", "max: 4"), nullptr);
  script_running(host, kvm::domain_kind(), before, after);
  providers::ActuatorStep step;
  step.desired = after;
  step.before = before.spec;
  step.fields = {FieldChange{"/vcpus/max", 2, 4, Impact::live}};  // as a plan of another table would say
  auto done = actuator_of("domain").update(step, host.session());
  REQUIRE_FALSE(done);
  CHECK(done.error().message() ==
        "domain.web@lab1: no live way to change /vcpus/max, planned as live (nothing changed)");
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web"});
}

TEST_CASE("a domain's failed live change puts the config back, so it stays pending, and never restarts") {
  FakeVirshHost host;
  const auto before = parsed(kvm::domain_kind(), k_domain, nullptr);
  const auto after = parsed(kvm::domain_kind(), replaced(k_domain, "current: 1", "current: 2"), nullptr);
  script_running(host, kvm::domain_kind(), before, after);
  host.fail("setvcpus --domain web --count 2 --live",
            "error: invalid argument: requested vcpus is greater\n");
  providers::ActuatorStep step;
  step.desired = after;
  step.before = before.spec;
  step.fields = planner::diff_specs(kvm::domain_kind(), after.spec, before.spec);
  auto done = actuator_of("domain").update(step, host.session());
  REQUIRE_FALSE(done);
  CHECK(done.error().message().ends_with("; the config was put back, the change stays pending"));
  CHECK(host.ran() == Lines{"domstate --domain web", "dumpxml --inactive --security-info --domain web",
                            "define /dev/stdin", "dumpxml --inactive --security-info --domain web",
                            "setvcpus --domain web --count 2 --live", "define /dev/stdin"});
  CHECK(host.stdin_of("define /dev/stdin") == create_xml(kvm::domain_kind(), before));
  CHECK_FALSE(restarted("domain", host.ran()));
}

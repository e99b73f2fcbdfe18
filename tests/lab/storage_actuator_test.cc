// The pool and volume actuators against a real lab host over real SSH: a dir
// pool and raw, qcow2 and overlay volumes are made from nothing, read back
// with the kinds' readers with no difference from the stack, then destroyed,
// leaving nothing (the directory virtplan built is gone, one it found is kept).

#include "cli/kinds.h"
#include "planner/diff.h"
#include "planner/spec_diff.h"
#include "providers/base/yaml_map.h"
#include "providers/host/host_inventory.h"
#include "providers/host/host_session.h"
#include "providers/host/shell_quote.h"
#include "providers/host/transport_factory.h"
#include "storage/pool_kind.h"
#include "storage/pool_reader.h"
#include "storage/volume_kind.h"
#include "storage/volume_reader.h"
#include "tests/lab/lab_fixture.h"

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using namespace virtplan;
using providers::ActuatorStep;
using providers::StackObject;

StackObject parsed(const providers::ResourceKind& kind, const std::string& name, const std::string& host,
                   const std::string& yaml) {
  StackObject object;
  object.id = {std::string(kind.kind()), name, host};
  object.stack = "actuator";
  providers::Diagnostics diags;
  providers::YamlMap map(YAML::Load(yaml), "stack.yaml", std::string(kind.kind()) + "." + name);
  kind.parse(map, object, diags);
  map.report_unknown(diags);
  REQUIRE(diags.empty());
  kind.resolve(object, {});  // as the loader does: a volume's id takes its pool
  return object;
}

// Every pool and volume on the host, as the observer reads them, by address.
std::map<std::string, providers::Spec> observe(const LabEnv& env, providers::Transport& transport) {
  static const storage::PoolReader pools;
  static const storage::VolumeReader volumes;
  providers::HostSession session(env.host_config(0), transport);
  auto inventory = providers::read_host_inventory(session, "actuator", {&pools, &volumes}, {});
  REQUIRE(inventory.has_value());
  std::map<std::string, providers::Spec> out;
  for (const auto& kind : inventory->kinds) {
    for (const auto& object : kind.objects) out[kind.kind + "." + object.name] = object.spec;
  }
  return out;
}

std::string sh_quote(const std::string& text) { return providers::shell_quote(text); }

TEST_CASE("storage actuators: create from nothing, read back unchanged, destroy leaves nothing") {
  LabEnv env = require_lab();
  auto transport = providers::make_transport(env.host_config(0));
  REQUIRE(transport.has_value());
  providers::HostSession host(env.host_config(0), **transport);
  const std::string host_name = env.host_config(0).name;
  const std::string pool = "vpact-" + std::to_string(getpid());
  const std::string dir = "/var/lib/virtplan/" + pool;
  storage::PoolKind pools;
  storage::VolumeKind volumes;

  std::vector<StackObject> all = {
      parsed(pools, pool, host_name, "type: dir\npath: " + dir + "\n"),
      parsed(volumes, "raw", host_name, "pool: " + pool + "\ncapacity: 8MiB\n"),
      parsed(volumes, "base", host_name, "pool: " + pool + "\nformat: qcow2\ncapacity: 32MiB\n"),
      parsed(volumes, "overlay", host_name,
             "pool: " + pool + "\ncapacity: 64MiB\nbacking: base\nprotect: true\n"),
  };
  for (StackObject& object : all) volumes.resolve(object, all);
  REQUIRE_FALSE(env.run_in(0, "test -e " + sh_quote(dir) + " && echo there || true").contains("there"));

  std::map<std::string, nlohmann::json> ledger;
  for (const StackObject& object : all) {
    INFO(object.id.address());
    auto outcome = cli::kind_actuator(object.id.kind)->create(ActuatorStep{object, nullptr, {}, {}}, host);
    REQUIRE(outcome.has_value());
    ledger[object.id.kind + "." + object.id.name] = outcome->ledger_data;
  }
  CHECK(ledger["pool." + pool] == nlohmann::json{{"built", true}});
  CHECK(ledger["volume.overlay"] == nlohmann::json{{"protect", true}, {"allow_shrink", false}});
  CHECK(env.run_in(0, "virsh -q pool-list --name --autostart").contains(pool));

  // What the observer would see: the readers' specs plus the ledger's data.
  auto observed = observe(env, **transport);
  for (const StackObject& object : all) {
    std::string key = object.id.kind + "." + object.id.name;
    INFO(key);
    REQUIRE(observed.contains(key));
    providers::Spec seen = observed[key];
    seen.update(ledger[key]);
    const providers::ResourceKind& kind =
        object.id.kind == "pool" ? static_cast<const providers::ResourceKind&>(pools) : volumes;
    auto changes = planner::diff_specs(kind, kind.reconcile(object.spec, seen), seen);
    for (const auto& change : changes)
      UNSCOPED_INFO(change.path << ": " << change.before << " -> " << change.after);
    CHECK(changes.empty());
  }

  // Destroy in reverse order, each from what was observed.
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    INFO(it->id.address());
    ActuatorStep step;
    step.desired.id = it->id;
    step.desired.stack = "actuator";
    step.before = observed[it->id.kind + "." + it->id.name];
    step.before.update(ledger[it->id.kind + "." + it->id.name]);
    auto outcome = cli::kind_actuator(it->id.kind)->destroy(step, host);
    REQUIRE(outcome.has_value());
    CHECK(outcome->warnings.empty());
  }
  CHECK_FALSE(env.run_in(0, "virsh -q pool-list --all --name").contains(pool));
  CHECK(env.run_in(0, "test -e " + sh_quote(dir) + " && echo there || echo gone") == "gone\n");
}

TEST_CASE("storage actuators: a pool directory that was already there survives destroy") {
  LabEnv env = require_lab();
  auto transport = providers::make_transport(env.host_config(0));
  REQUIRE(transport.has_value());
  providers::HostSession host(env.host_config(0), **transport);
  const std::string pool = "vpkeep-" + std::to_string(getpid());
  const std::string dir = "/var/lib/virtplan/" + pool;
  env.run_in(0, "mkdir -p " + sh_quote(dir) + " && touch " + sh_quote(dir + "/notes.txt"));
  StackObject object = parsed(storage::PoolKind(), pool, env.host_config(0).name,
                              "type: dir\npath: " + dir + "\nautostart: false\n");
  const auto* actuator = cli::kind_actuator("pool");
  auto created = actuator->create(ActuatorStep{object, nullptr, {}, {}}, host);
  REQUIRE(created.has_value());
  CHECK(created->ledger_data == nlohmann::json::object());
  CHECK_FALSE(env.run_in(0, "virsh -q pool-list --name --autostart").contains(pool));

  ActuatorStep step;
  step.desired.id = object.id;
  step.before = object.spec;
  auto destroyed = actuator->destroy(step, host);
  REQUIRE(destroyed.has_value());
  CHECK_FALSE(env.run_in(0, "virsh -q pool-list --all --name").contains(pool));
  CHECK(env.run_in(0, "cat " + sh_quote(dir + "/notes.txt") + " && echo kept") == "kept\n");
  env.run_in(0, "rm -rf " + sh_quote(dir));
}

}  // namespace

namespace {

// Runs the planner's diff for `desired` against what the host holds now, all
// of it owned by the stack, with the ledger data the actuators returned.
planner::DiffResult plan_against(const LabEnv& env, providers::Transport& transport,
                                 const std::vector<StackObject>& desired,
                                 const std::map<std::string, nlohmann::json>& ledger,
                                 const std::set<std::string>& owned) {
  static const storage::PoolKind pools;
  static const storage::VolumeKind volumes;
  planner::ObservedState state;
  for (const auto& [key, spec] : observe(env, transport)) {
    if (!owned.contains(key)) continue;
    auto dot = key.find('.');
    // As the observer does: a volume's id holds its pool.
    planner::ObservedObject object{{key.substr(0, dot), key.substr(dot + 1), env.host_config(0).name,
                                    key.starts_with("volume.") ? spec.value("pool", "") : ""},
                                   spec,
                                   planner::Ownership::ours,
                                   ""};
    if (auto it = ledger.find(key); it != ledger.end()) object.spec.update(it->second);
    state.objects.push_back(std::move(object));
  }
  return planner::diff("actuator", desired, state,
                       [](std::string_view kind) -> const providers::ResourceKind* {
                         if (kind == "pool") return &pools;
                         if (kind == "volume") return &volumes;
                         return nullptr;
                       });
}

// Peak resident memory of this process so far, in bytes.
std::uint64_t peak_rss() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

struct UploadLab {
  LabEnv env = require_lab();
  std::unique_ptr<providers::Transport> transport;
  std::unique_ptr<providers::HostSession> host;
  std::string pool = "vpup-" + std::to_string(getpid());
  std::string dir = "/var/lib/virtplan/" + pool;
  std::string local_dir = "/tmp/vp-storage-" + std::to_string(getpid());
  std::vector<StackObject> objects;
  std::map<std::string, nlohmann::json> ledger;
  std::set<std::string> owned;

  UploadLab() {
    auto made = providers::make_transport(env.host_config(0));
    REQUIRE(made.has_value());
    transport = std::move(*made);
    host = std::make_unique<providers::HostSession>(env.host_config(0), *transport);
    std::filesystem::create_directories(local_dir);
    objects.push_back(
        parsed(storage::PoolKind(), pool, env.host_config(0).name, "type: dir\npath: " + dir + "\n"));
    create(objects.back());
  }
  ~UploadLab() {
    try {
      env.run_in(0, "for v in $(virsh -q vol-list " + pool +
                        " | awk '{print $1}'); do virsh -q vol-delete --pool " + pool +
                        " $v; done >/dev/null 2>&1; virsh -q pool-destroy " + pool +
                        " >/dev/null 2>&1; virsh -q pool-delete " + pool +
                        " >/dev/null 2>&1; virsh -q pool-undefine " + pool + " >/dev/null 2>&1; true");
      std::filesystem::remove_all(local_dir);
    } catch (...) {
    }
  }

  StackObject volume(const std::string& name, const std::string& yaml) {
    StackObject object =
        parsed(storage::VolumeKind(), name, env.host_config(0).name, "pool: " + pool + "\n" + yaml);
    objects.push_back(object);
    storage::VolumeKind().resolve(objects.back(), objects);
    return objects.back();
  }

  providers::Result<providers::ActuatorOutcome> create(const StackObject& object) {
    ActuatorStep step{object, nullptr, {}, {}};
    auto outcome = cli::kind_actuator(object.id.kind)->create(step, *host);
    if (outcome) {
      ledger[object.id.kind + "." + object.id.name] = outcome->ledger_data;
      owned.insert(object.id.kind + "." + object.id.name);
    }
    return outcome;
  }

  planner::DiffResult plan(const std::vector<StackObject>& desired) {
    return plan_against(env, *transport, desired, ledger, owned);
  }
};

TEST_CASE("storage actuators: a source file is uploaded, the next plan is empty, a changed file replaces") {
  UploadLab lab;
  const std::string image = lab.local_dir + "/disk.img";
  {
    std::ofstream out(image, std::ios::binary);
    for (int i = 0; i < 4096; ++i) out << "virtplan upload test block " << i << "\n";
  }
  std::vector<std::string> progress;
  StackObject disk = lab.volume("disk", "source: " + image + "\n");
  ActuatorStep step{disk, nullptr, {}, [&](std::string_view text) { progress.emplace_back(text); }};
  auto outcome = cli::kind_actuator("volume")->create(step, *lab.host);
  REQUIRE(outcome.has_value());
  lab.ledger["volume.disk"] = outcome->ledger_data;
  lab.owned.insert("volume.disk");
  CHECK(outcome->ledger_data["source_sha256"] == disk.spec["source_sha256"]);
  CHECK_FALSE(progress.empty());
  CHECK(lab.env.run_in(0, "sha256sum " + sh_quote(lab.dir + "/disk") + " | cut -d' ' -f1") ==
        disk.spec["source_sha256"].get<std::string>() + "\n");

  auto again = lab.plan(lab.objects);
  CHECK(again.errors.empty());
  for (const auto& change : again.plan.changes()) {
    INFO(change.id.address());
    CHECK(change.action == planner::Action::no_op);
  }

  { std::ofstream(image, std::ios::app) << "one more line\n"; }
  StackObject changed = parsed(storage::VolumeKind(), "disk", lab.env.host_config(0).name,
                               "pool: " + lab.pool + "\nsource: " + image + "\n");
  auto replaced = lab.plan({lab.objects[0], changed});
  CHECK(replaced.errors.empty());
  bool found = false;
  for (const auto& change : replaced.plan.changes()) {
    if (change.id.name != "disk") continue;
    found = true;
    CHECK(change.action == planner::Action::replace);
    REQUIRE_FALSE(change.reasons.empty());
    CHECK(change.reasons.back().starts_with("DATA LOSS: "));
  }
  CHECK(found);
}

TEST_CASE("storage actuators: a raw source converted to qcow2 on upload") {
  UploadLab lab;
  const std::string image = lab.local_dir + "/raw.img";
  { std::ofstream(image, std::ios::binary) << std::string(1 << 20, 'x'); }
  StackObject disk = lab.volume("conv", "format: qcow2\nsource: " + image + "\n");
  REQUIRE(lab.create(disk).has_value());
  std::string info = lab.env.run_in(0, "qemu-img info " + sh_quote(lab.dir + "/conv"));
  CHECK(info.contains("file format: qcow2"));
  CHECK(info.contains("virtual size: 1 MiB"));
  CHECK_FALSE(lab.env.run_in(0, "virsh -q vol-list " + lab.pool).contains("conv.upload"));
}

TEST_CASE(
    "storage actuators: 10 linked clones of one uploaded base, each small, base refused for destruction") {
  UploadLab lab;
  const std::string image = lab.local_dir + "/base.qcow2";
  REQUIRE(std::system(("qemu-img create -q -f qcow2 " + sh_quote(image) +
                       " 256M && qemu-io -c 'write -P 0x5a 0 8M' " + sh_quote(image) + " >/dev/null")
                          .c_str()) == 0);
  StackObject base = lab.volume("base", "format: qcow2\nsource: " + image + "\n");
  REQUIRE(lab.create(base).has_value());
  for (int i = 0; i < 10; ++i) {
    StackObject clone = lab.volume("clone" + std::to_string(i), "backing: base\n");
    auto made = lab.create(clone);
    REQUIRE(made.has_value());
  }
  for (int i = 0; i < 10; ++i) {
    std::string bytes = lab.env.run_in(0, "stat -c %s " + sh_quote(lab.dir + "/clone" + std::to_string(i)));
    INFO("clone" << i << " is " << bytes);
    CHECK(std::stoull(bytes) < 1024 * 1024);
  }
  auto steady = lab.plan(lab.objects);
  CHECK(steady.errors.empty());
  for (const auto& change : steady.plan.changes()) CHECK(change.action == planner::Action::no_op);

  std::vector<StackObject> without_base;
  for (const auto& object : lab.objects) {
    if (object.id.name != "base") without_base.push_back(object);
  }
  auto refused = lab.plan(without_base);
  REQUIRE(refused.errors.size() == 1);
  CHECK(refused.errors[0].starts_with("volume.base@" + lab.env.host_config(0).name +
                                      ": would be destroyed but is held by "));
  CHECK(refused.errors[0].contains("(backing file)"));
  for (const auto& change : refused.plan.changes()) CHECK(change.id.name != "base");
}

// 512 MiB: five times the RSS bound, so a source read into memory fails it;
// every byte crosses SSH and virsh, so each further GiB costs ~25 s of CI.
TEST_CASE("storage actuators: a 512 MiB sparse source uploads with bounded memory") {
  UploadLab lab;
  const std::string image = lab.local_dir + "/big.img";
  const std::uint64_t size = 512ull << 20;
  { std::ofstream(image, std::ios::binary); }
  std::filesystem::resize_file(image, size);
  StackObject big = lab.volume("big", "source: " + image + "\n");
  auto before = peak_rss();
  auto made = lab.create(big);
  REQUIRE(made.has_value());
  auto after = peak_rss();
  INFO("peak RSS before " << before << ", after " << after);
  CHECK(after < 100ull * 1024 * 1024);
  CHECK(lab.env.run_in(0, "stat -c %s " + sh_quote(lab.dir + "/big")) == std::to_string(size) + "\n");
  lab.env.run_in(0, "virsh -q vol-delete --pool " + lab.pool + " --vol big");
}

TEST_CASE("storage actuators: a volume grows under a running domain through blockresize") {
  UploadLab lab;
  StackObject data = lab.volume("data", "format: qcow2\ncapacity: 64MiB\n");
  REQUIRE(lab.create(data).has_value());
  const std::string domain = "vpgrow-" + std::to_string(getpid());
  const std::string xml = "<domain type='qemu'><name>" + domain +
                          "</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                          "<os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'>"
                          "<driver name='qemu' type='qcow2'/><source file='" +
                          lab.dir +
                          "/data'/><target dev='vdb' bus='virtio'/>"
                          "</disk></devices></domain>";
  lab.env.run_in(0, "printf '%s' " + sh_quote(xml) +
                        " | virsh -q define /dev/stdin >/dev/null && virsh -q start " + domain +
                        " >/dev/null");
  struct Cleanup {
    const LabEnv& env;
    std::string domain;
    ~Cleanup() {
      try {
        env.run_in(0, "virsh -q destroy " + domain + " >/dev/null 2>&1; virsh -q undefine " + domain +
                          " >/dev/null 2>&1; true");
      } catch (...) {
      }
    }
  } cleanup{lab.env, domain};
  std::string id = lab.env.run_in(0, "virsh -q domid " + domain);

  auto observed = observe(lab.env, *lab.transport);
  providers::Spec before = observed["volume.data"];
  REQUIRE(before["used_by"].size() == 1);
  CHECK(before["used_by"][0] == nlohmann::json{{"domain", domain}, {"disk", "vdb"}, {"running", true}});

  StackObject bigger = parsed(storage::VolumeKind(), "data", lab.env.host_config(0).name,
                              "pool: " + lab.pool + "\nformat: qcow2\ncapacity: 128MiB\n");
  before.update(lab.ledger["volume.data"]);
  ActuatorStep step{bigger,
                    before,
                    {providers::FieldChange{"/capacity", 64u << 20, 128u << 20, providers::Impact::live}},
                    {}};
  auto grown = cli::kind_actuator("volume")->update(step, *lab.host);
  REQUIRE(grown.has_value());
  CHECK(lab.env.run_in(0, "virsh -q domid " + domain) == id);
  CHECK(lab.env.run_in(0, "virsh -q domblkinfo " + domain + " vdb | grep Capacity")
            .contains(std::to_string(128u << 20)));

  // Used by a running domain: never deleted, and the plan says by what.
  auto refused = lab.plan({lab.objects[0]});
  REQUIRE(refused.errors.size() == 1);
  CHECK(refused.errors[0].contains("held by domain." + domain));
}

}  // namespace

// Pools and volumes on a real lab host: a dir pool and raw, qcow2 and overlay
// volumes are created from create_xml(), read back with `pool-dumpxml
// --inactive` and `vol-dumpxml`, and parsed into the desired specs (no false
// diff); the pool is redefined from update_xml() keeping its UUID.

#include "providers/base/yaml_map.h"
#include "providers/host/shell_quote.h"
#include "storage/pool_kind.h"
#include "storage/volume_kind.h"
#include "tests/lab/lab_fixture.h"

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

namespace {

using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::providers::Diagnostics;
using virtplan::providers::ResourceKind;
using virtplan::providers::StackObject;
using virtplan::providers::YamlMap;
using virtplan::storage::PoolKind;
using virtplan::storage::VolumeKind;

StackObject parsed(const ResourceKind& kind, const std::string& name, const std::string& yaml) {
  StackObject object;
  object.id = {std::string(kind.kind()), name, "lab"};
  object.stack = "roundtrip";
  Diagnostics diags;
  YamlMap map(YAML::Load(yaml), "stack.yaml", std::string(kind.kind()) + "." + name);
  kind.parse(map, object, diags);
  map.report_unknown(diags);
  REQUIRE(diags.empty());
  return object;
}

// Removes the pool, its volumes and its directory when the test ends.
class ScopedPool {
public:
  ScopedPool(const LabEnv& env, std::string name) : m_env(env), m_name(std::move(name)) {}
  ~ScopedPool() {
    try {
      m_env.run_in(0, "for v in $(virsh -q vol-list " + m_name +
                          " | awk '{print $1}'); do virsh -q "
                          "vol-delete --pool " +
                          m_name + " $v; done >/dev/null 2>&1; virsh -q pool-destroy " + m_name +
                          " >/dev/null 2>&1; virsh -q pool-delete " + m_name +
                          " >/dev/null 2>&1; virsh -q pool-undefine " + m_name + " >/dev/null 2>&1; true");
    } catch (...) {
    }
  }

private:
  const LabEnv& m_env;
  std::string m_name;
};

TEST_CASE("storage: a dir pool and its volumes round-trip through a real libvirtd") {
  LabEnv env = require_lab();
  PoolKind pools;
  VolumeKind volumes;
  std::string pool = "vprt-pool-" + std::to_string(getpid());
  std::vector<StackObject> all = {
      parsed(pools, pool, "type: dir\npath: /var/lib/virtplan/" + pool + "/\n"),
      parsed(volumes, "raw", "pool: " + pool + "\ncapacity: 8MiB\n"),
      parsed(volumes, "base", "pool: " + pool + "\nformat: qcow2\ncapacity: 32MiB\n"),
      parsed(volumes, "overlay", "pool: " + pool + "\ncapacity: 64MiB\nbacking: base\n"),
      parsed(volumes, "clone", "pool: " + pool + "\nbacking: base\n"),
  };
  for (StackObject& object : all) volumes.resolve(object, all);

  ScopedPool scoped(env, pool);
  auto pool_xml = pools.create_xml(all[0]);
  REQUIRE(pool_xml.has_value());
  env.run_in(0, "printf '%s' " + virtplan::providers::shell_quote(*pool_xml) +
                    " | virsh -q pool-define /dev/stdin && "
                    "virsh -q pool-build " +
                    pool + " && virsh -q pool-start " + pool);
  auto observed_pool = pools.parse_xml(env.run_in(0, "virsh -q pool-dumpxml --inactive " + pool));
  REQUIRE(observed_pool.has_value());
  (*observed_pool)["autostart"] = true;  // from pool-list, not the XML
  CHECK(pools.reconcile(all[0].spec, *observed_pool).dump(2) == observed_pool->dump(2));

  for (std::size_t i = 1; i < all.size(); ++i) {
    INFO(all[i].id.address());
    auto xml = volumes.create_xml(all[i]);
    REQUIRE(xml.has_value());
    env.run_in(0, "printf '%s' " + virtplan::providers::shell_quote(*xml) + " | virsh -q vol-create " + pool +
                      " /dev/stdin");
    auto observed =
        volumes.parse_xml(env.run_in(0, "virsh -q vol-dumpxml --pool " + pool + " " + all[i].id.name));
    REQUIRE(observed.has_value());
    (*observed)["pool"] = pool;  // the observer lists volumes per pool
    CHECK(volumes.reconcile(all[i].spec, *observed).dump(2) == observed->dump(2));
  }

  std::string uuid = env.run_in(0, "virsh -q pool-uuid " + pool);
  auto updated = pools.update_xml(env.run_in(0, "virsh -q pool-dumpxml --inactive " + pool), all[0]);
  REQUIRE(updated.has_value());
  env.run_in(
      0, "printf '%s' " + virtplan::providers::shell_quote(*updated) + " | virsh -q pool-define /dev/stdin");
  CHECK(env.run_in(0, "virsh -q pool-uuid " + pool) == uuid);
}

}  // namespace

// Networks on a real lab host: every mode is defined from create_xml(), read
// back with `net-dumpxml --inactive` and parsed into the desired spec (no
// false diff); update_xml() redefines it in place, keeping its UUID.

#include "net/network_kind.h"
#include "providers/base/yaml_map.h"
#include "providers/host/shell_quote.h"
#include "tests/lab/lab_fixture.h"

#include <yaml-cpp/yaml.h>
#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>

namespace {

using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::net::NetworkKind;
using virtplan::providers::Diagnostics;
using virtplan::providers::StackObject;
using virtplan::providers::YamlMap;

StackObject network(const std::string& name, const std::string& yaml) {
  NetworkKind kind;
  StackObject object;
  object.id = {"network", name, "lab"};
  object.stack = "roundtrip";
  Diagnostics diags;
  YamlMap map(YAML::Load(yaml), "stack.yaml", "network." + name);
  kind.parse(map, object, diags);
  map.report_unknown(diags);
  REQUIRE(diags.empty());
  return object;
}

// A network defined on lab host 0 for the test's life, undefined at the end.
class ScopedNetwork {
public:
  ScopedNetwork(const LabEnv& env, std::string name) : m_env(env), m_name(std::move(name)) {}
  ~ScopedNetwork() {
    try {
      m_env.run_in(0, "virsh -q net-destroy " + m_name + " >/dev/null 2>&1; virsh -q net-undefine " + m_name +
                          " >/dev/null 2>&1; true");
    } catch (...) {
    }
  }
  void define(const std::string& xml) const {
    m_env.run_in(
        0, "printf '%s' " + virtplan::providers::shell_quote(xml) + " | virsh -q net-define /dev/stdin");
  }
  std::string dump() const { return m_env.run_in(0, "virsh -q net-dumpxml --inactive " + m_name); }
  std::string uuid() const { return m_env.run_in(0, "virsh -q net-uuid " + m_name); }

private:
  const LabEnv& m_env;
  std::string m_name;
};

// Compares the way the planner does: libvirt's assignments filled in, and
// autostart (not in the XML) as desired.
void check_no_diff(const NetworkKind& kind, const StackObject& object, const std::string& xml) {
  auto observed = kind.parse_xml(xml);
  REQUIRE(observed.has_value());
  (*observed)["autostart"] = object.spec["autostart"];
  INFO(xml);
  CHECK(kind.reconcile(object.spec, *observed).dump(2) == observed->dump(2));
}

TEST_CASE("network: every mode round-trips through a real libvirtd and updates in place") {
  LabEnv env = require_lab();
  NetworkKind kind;
  std::string suffix = std::to_string(getpid() % 1000);
  env.run_in(0, "ip link show vprt-br >/dev/null 2>&1 || ip link add vprt-br type bridge");
  const std::pair<std::string, std::string> cases[] = {
      {"nat",
       "mode: nat\nbridge: vprt-nat\nmtu: 9000\ndomain: rt\nipv4:\n  address: 10.91.0.1/24\n"
       "  dhcp:\n    range: 10.91.0.100-10.91.0.199\n    hosts: [{mac: \"52:54:00:91:00:10\", "
       "ip: 10.91.0.10, name: web}]\ndns:\n  hosts: [{ip: 10.91.0.10, names: [web.rt, www.rt]}]\n"},
      {"natmin", "ipv4: {address: 10.92.0.1/24, dhcp: {range: 10.92.0.2-10.92.0.9}}\n"},
      {"route", "mode: route\nbridge: vprt-route\nforward_dev: eth0\nipv4: {address: 10.93.0.1/24}\n"},
      {"open", "mode: open\nbridge: vprt-open\nipv4: {address: 10.94.0.1/24}\n"},
      {"iso", "mode: isolated\nbridge: vprt-iso\n"},
      {"bridge", "mode: bridge\nbridge: vprt-br\n"},
  };
  for (const auto& [mode, yaml] : cases) {
    std::string name = "vprt-" + mode + "-" + suffix;
    INFO(name);
    StackObject object = network(name, yaml);
    ScopedNetwork live(env, name);
    auto xml = kind.create_xml(object);
    REQUIRE(xml.has_value());
    live.define(*xml);
    check_no_diff(kind, object, live.dump());

    std::string uuid = live.uuid();
    StackObject changed =
        network(name, yaml + (mode == "bridge" ? "autostart: false\n"
                                               : "dns: {hosts: [{ip: 10.99.0.9, names: [added.rt]}]}\n"));
    if (mode == "nat")
      changed = network(name, "mode: nat\nbridge: vprt-nat\nipv4: {address: 10.91.0.1/24}\n");
    auto updated = kind.update_xml(live.dump(), changed);
    REQUIRE(updated.has_value());
    live.define(*updated);
    CHECK(live.uuid() == uuid);
    check_no_diff(kind, changed, live.dump());
  }
}

}  // namespace

// Domains on a real lab host: the every-feature stack (tests/kvm/stacks/
// full.yaml) is defined from create_xml(), read back with `dumpxml --inactive`
// and parsed into the desired spec with no false diff; then update_xml()
// changes memory, a disk and a NIC and the redefine keeps the UUID, the MAC
// libvirt assigned and its PCI address.

#include "kvm/domain_kind.h"
#include "providers/base/yaml_map.h"
#include "providers/host/shell_quote.h"
#include "providers/xml/document.h"
#include "tests/lab/lab_fixture.h"

#include <yaml-cpp/yaml.h>
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace {

using nlohmann::json;
using virtplan::kvm::DomainKind;
using virtplan::lab::LabEnv;
using virtplan::lab::require_lab;
using virtplan::providers::Diagnostics;
using virtplan::providers::StackObject;
using virtplan::providers::XmlDocument;
using virtplan::providers::YamlMap;

const char* const k_name = "vp-rt-web";

StackObject full_domain() {
  std::ifstream in(std::string(VIRTPLAN_SOURCE_DIR) + "/tests/kvm/stacks/full.yaml");
  std::stringstream text;
  text << in.rdbuf();
  StackObject object;
  object.id = {"domain", k_name, "lab"};
  object.stack = "roundtrip";
  Diagnostics diags;
  YamlMap map(YAML::Load(text.str()), "full.yaml", std::string("domain.") + k_name);
  DomainKind().parse(map, object, diags);
  map.report_unknown(diags);
  REQUIRE(diags.empty());
  return object;
}

std::string define_and_dump(const LabEnv& env, const std::string& xml) {
  env.run_in(0, "printf %s " + virtplan::providers::shell_quote(xml) +
                    " > /tmp/vp-rt-domain.xml && virsh -q define "
                    "/tmp/vp-rt-domain.xml >/dev/null");
  return env.run_in(0, std::string("virsh -q dumpxml --inactive ") + k_name);
}

// As the planner compares: reconciled, top-level keys the stack leaves out
// ignored, autostart and state observed apart from the XML.
void require_no_diff(const json& desired, const std::string& dumped) {
  auto found = DomainKind().parse_xml(dumped);
  REQUIRE(found);
  json want = DomainKind().reconcile(desired, *found);
  want.erase("autostart");
  want.erase("state");
  json got = *found;
  for (auto it = got.begin(); it != got.end();) it = want.contains(it.key()) ? std::next(it) : got.erase(it);
  INFO("got  " << got.dump() << "\nwant " << want.dump());
  CHECK(got == want);
}

std::string xpath(const std::string& xml, const std::string& expression) {
  auto document = XmlDocument::parse(xml);
  REQUIRE(document);
  auto value = document->root().xpath_string(expression);
  REQUIRE(value);
  return value->value_or("");
}

class ScopedDomain {
public:
  explicit ScopedDomain(const LabEnv& env) : m_env(env) { undefine(); }
  ~ScopedDomain() { undefine(); }

private:
  void undefine() {
    try {
      // fmt, not std::string's operator+: GCC 12 -O2 reports a false
      // -Warray-bounds on that chain in some unity batches.
      m_env.run_in(0, fmt::format("virsh -q undefine --nvram {} >/dev/null 2>&1; true", k_name));
    } catch (...) {
    }
  }
  const LabEnv& m_env;
};

}  // namespace

TEST_CASE("a domain with every definable feature round-trips through libvirt without false diffs") {
  LabEnv env = require_lab();
  ScopedDomain scoped(env);
  StackObject object = full_domain();
  auto xml = DomainKind().create_xml(object);
  REQUIRE(xml);
  std::string dumped = define_and_dump(env, *xml);
  require_no_diff(object.spec, dumped);

  // Update: memory, a disk out and one in (by target), a NIC out (by MAC).
  object.spec = DomainKind().reconcile(object.spec, *DomainKind().parse_xml(dumped));
  std::string assigned_mac;
  for (const auto& item : object.spec.at("interfaces").items()) {
    if (item.key() != "52:54:00:00:00:10" && item.key() != "52:54:00:00:00:11") assigned_mac = item.key();
  }
  REQUIRE(!assigned_mac.empty());
  object.spec["memory"]["current"] = 805306368;
  object.spec["disks"].erase("sdb");
  object.spec["disks"]["vdb"] = {
      {"bus", "virtio"}, {"cdrom", false}, {"readonly", false}, {"volume", "logs"}, {"pool", "images"}};
  object.spec["interfaces"].erase("52:54:00:00:00:11");
  auto updated = DomainKind().update_xml(dumped, object);
  REQUIRE(updated);
  std::string redumped = define_and_dump(env, *updated);
  require_no_diff(object.spec, redumped);

  CHECK(xpath(redumped, "/domain/uuid") == xpath(dumped, "/domain/uuid"));
  const std::string nic_bus = "/domain/devices/interface[mac/@address='" + assigned_mac + "']/address/@bus";
  CHECK(!xpath(dumped, nic_bus).empty());
  CHECK(xpath(redumped, nic_bus) == xpath(dumped, nic_bus));
  const std::string vda_bus = "/domain/devices/disk[target/@dev='vda']/address/@bus";
  CHECK(xpath(redumped, vda_bus) == xpath(dumped, vda_bus));
}

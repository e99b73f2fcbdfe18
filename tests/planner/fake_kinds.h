#pragma once

// FakeDomainKind and FakeVolumeKind stand in for the real kinds in planner
// tests: a few typed fields each, a reference from a domain's disks to volumes,
// and a check (no two domains on one host with the same `mac`), so that the
// loader's generic passes can be tested without kvm/ or storage/.

#include "providers/kind/resource_kind.h"

#include <fmt/format.h>

namespace virtplan::planner::testing {

// FakeKind implements what the loader does not call as failures.
class FakeKind : public providers::ResourceKind {
public:
  using ResourceKind::ResourceKind;
  providers::Result<std::string> create_xml(const providers::StackObject&) const override {
    return providers::fail(providers::ErrorCode::other, "fake");
  }
  providers::Result<providers::Spec> parse_xml(const std::string&) const override {
    return providers::fail(providers::ErrorCode::other, "fake");
  }
  providers::Result<std::string> update_xml(const std::string&,
                                            const providers::StackObject&) const override {
    return providers::fail(providers::ErrorCode::other, "fake");
  }
  providers::Spec reconcile(const providers::Spec& desired, const providers::Spec&) const override {
    return desired;
  }
  const providers::FieldRules& field_rules() const override {
    static constexpr providers::FieldRule k_all_live[] = {{"/**", providers::Impact::live}};
    static constexpr providers::FieldRules k_rules{k_all_live};
    return k_rules;
  }
};

class FakeVolumeKind : public FakeKind {
public:
  FakeVolumeKind() : FakeKind("volume", "volumes") {}
  void parse(providers::YamlMap& map, providers::StackObject& object,
             providers::Diagnostics& diags) const override {
    if (auto capacity = map.get("capacity")) {
      if (auto bytes = capacity->as_size(diags)) {
        object.spec["capacity"] = *bytes;
      }
    }
  }
  std::vector<providers::Reference> references(const providers::StackObject&) const override { return {}; }
  void check(const providers::StackObject&, const providers::StackIndex&,
             providers::Diagnostics&) const override {}
};

class FakeDomainKind : public FakeKind {
public:
  FakeDomainKind() : FakeKind("domain", "domains") {}

  void parse(providers::YamlMap& map, providers::StackObject& object,
             providers::Diagnostics& diags) const override {
    if (auto vcpus = map.get("vcpus")) {
      if (auto n = vcpus->as_int(diags)) object.spec["vcpus"] = *n;
    }
    if (auto memory = map.get("memory")) {
      if (auto bytes = memory->as_size(diags)) object.spec["memory"] = *bytes;
    }
    if (auto firmware = map.get("firmware")) {
      if (auto text = firmware->as_enum(diags, {"bios", "uefi"})) object.spec["firmware"] = *text;
    }
    if (auto mac = map.get("mac")) {
      if (auto text = mac->as_string(diags)) {
        object.spec["mac"] = *text;
        object.locations["/mac"] = mac->where();
      }
    }
    if (auto disks = map.get("disks")) {
      read_disks(*disks, object, diags);
    }
  }

  std::vector<providers::Reference> references(const providers::StackObject& object) const override {
    std::vector<providers::Reference> refs;
    if (!object.spec.contains("disks")) return refs;
    for (const auto& [target, disk] : object.spec["disks"].items()) {
      refs.push_back(providers::Reference{{"volume", disk["volume"].get<std::string>(), object.id.host},
                                          object.locations.at("/disks/" + target + "/volume")});
    }
    return refs;
  }

  void check(const providers::StackObject& object, const providers::StackIndex& all,
             providers::Diagnostics& diags) const override {
    if (!object.spec.contains("mac")) return;
    for (const auto& other : all) {
      if (other.id.kind == "domain" && other.id.host == object.id.host && other.id < object.id &&
          other.spec.value("mac", "") == object.spec["mac"]) {
        diags.add(object.locations.at("/mac"),
                  fmt::format("{}: mac {} is also used by {}", object.id.address(),
                              object.spec["mac"].get<std::string>(), other.id.address()));
      }
    }
  }

private:
  static void read_disks(const providers::YamlValue& value, providers::StackObject& object,
                         providers::Diagnostics& diags) {
    auto items = value.as_sequence(diags);
    if (!items) return;
    for (const auto& item : *items) {
      auto disk = item.as_map(diags);
      if (!disk) continue;
      auto target = disk->get("target");
      auto volume = disk->get("volume");
      auto target_name = target ? target->as_string(diags) : std::nullopt;
      auto volume_name = volume ? volume->as_string(diags) : std::nullopt;
      disk->report_unknown(diags);
      if (target_name && volume_name) {
        object.spec["disks"][*target_name]["volume"] = *volume_name;
        object.locations["/disks/" + *target_name + "/volume"] = volume->where();
      }
    }
  }
};

}  // namespace virtplan::planner::testing

#include "kvm/domain_change_set.h"

#include "kvm/domain_field_rules.h"
#include "providers/base/json_path.h"

#include <algorithm>
#include <optional>

namespace virtplan::kvm {

using providers::FieldChange;
using providers::FieldRule;
using providers::Impact;
using providers::JsonPath;

namespace {

void add_update(std::vector<DomainDeviceRef>& update, DomainDeviceRef device) {
  if (std::find(update.begin(), update.end(), device) == update.end()) update.push_back(std::move(device));
}

// The device a path below "/disks", "/interfaces" or "/hostdevs" names.
std::optional<DomainDeviceRef> device_of(const JsonPath& path) {
  if (path.size() < 2) return std::nullopt;
  if (path[0] == "disks") return DomainDeviceRef{DomainDeviceRef::Type::disk, path[1]};
  if (path[0] == "interfaces") return DomainDeviceRef{DomainDeviceRef::Type::interface, path[1]};
  if (path[0] == "hostdevs") return DomainDeviceRef{DomainDeviceRef::Type::hostdev, path[1]};
  if (path[0] == "graphics") return DomainDeviceRef{DomainDeviceRef::Type::graphics, ""};
  return std::nullopt;
}

// Places a device change by its rule's live way; false when it has none.
bool place_device(DomainChangeSet& set, const FieldChange& field, std::string_view live) {
  auto device = device_of(JsonPath::parse(field.path));
  if (!device) return false;
  if (live == domain_live::attach) {
    // A NIC without `mac:` gets its MAC only at define: every NIC the new
    // config has and the running domain lacks is attached.
    if (device->type == DomainDeviceRef::Type::interface)
      set.attach_nics = true;
    else
      set.attach.push_back(*device);
  } else if (live == domain_live::detach) {
    set.detach.push_back({*device, field});
  } else if (live == domain_live::update) {
    add_update(set.update, *device);
  } else if (live == domain_live::iotune) {
    if (std::find(set.iotune.begin(), set.iotune.end(), device->key) == set.iotune.end())
      set.iotune.push_back(device->key);
  } else {
    return false;
  }
  return true;
}

// Places a field by its rule's live way; false when it has none.
bool place_live(DomainChangeSet& set, const FieldChange& field, std::string_view live) {
  if (live == domain_live::metadata) return set.metadata = true;
  if (live == domain_live::title) return set.title = true;
  if (live == domain_live::description) return set.description = true;
  if (live == domain_live::vcpus) return set.vcpus = true;
  if (live == domain_live::memory) return set.memory = true;
  if (live == domain_live::iftune) {
    auto path = JsonPath::parse(field.path);
    if (path.size() < 2) return false;
    const std::string mac(path[1]);
    if (std::find(set.iftune.begin(), set.iftune.end(), mac) == set.iftune.end()) set.iftune.push_back(mac);
    return true;
  }
  return place_device(set, field, live);
}

}  // namespace

DomainChangeSet DomainChangeSet::of(const std::vector<FieldChange>& fields) {
  DomainChangeSet set;
  for (const FieldChange& field : fields) {
    const FieldRule& rule = domain_field_rules().rule_for(field.path, field.before, field.after);
    if (rule.live == domain_live::autostart) {
      set.autostart = true;
      continue;
    }
    if (rule.live == domain_live::power) {
      set.state = true;
      continue;
    }
    set.config = true;
    if (field.impact >= Impact::restart) {
      set.restart.push_back(field);
    } else if (field.impact == Impact::config) {
      set.config_only.push_back(field);
    } else if (!place_live(set, field, rule.live) && field.impact == Impact::live) {
      set.no_live_way.push_back(field);
    }
  }
  return set;
}

}  // namespace virtplan::kvm

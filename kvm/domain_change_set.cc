#include "kvm/domain_change_set.h"

#include <algorithm>

namespace virtplan::kvm {

using providers::FieldChange;
using providers::Impact;

namespace {

std::string unescape(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out += token[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

void add_update(std::vector<DomainDeviceRef>& update, DomainDeviceRef device) {
  if (std::find(update.begin(), update.end(), device) == update.end()) update.push_back(std::move(device));
}

// Places a live field; false when there is no live way for it.
bool place_live(DomainChangeSet& set, const FieldChange& field, const std::vector<std::string>& t) {
  const std::string& top = t[0];
  bool whole_item = t.size() == 2;
  bool added = whole_item && field.before.is_null() && !field.after.is_null();
  bool removed = whole_item && field.after.is_null() && !field.before.is_null();
  if (top == "title" && t.size() == 1) return set.title = true;
  if (top == "description" && t.size() == 1) return set.description = true;
  if (top == "vcpus" && t.size() == 2 && t[1] == "current") return set.vcpus = true;
  if (top == "memory" && t.size() == 2 && t[1] == "current") return set.memory = true;
  if (top == "disks" && t.size() >= 2) {
    DomainDeviceRef disk{DomainDeviceRef::Type::disk, t[1]};
    if (added) set.attach.push_back(disk);
    else if (removed) set.detach.push_back({disk, field});
    else if (t.size() >= 3 && t[2] == "media") add_update(set.update, disk);
    else return false;
    return true;
  }
  if (top == "interfaces" && t.size() >= 2) {
    DomainDeviceRef nic{DomainDeviceRef::Type::interface, t[1]};
    if (added) set.attach_nics = true;
    else if (removed) set.detach.push_back({nic, field});
    else if (t.size() == 3 && (t[2] == "network" || t[2] == "bridge" || t[2] == "link")) add_update(set.update, nic);
    else return false;
    return true;
  }
  if (top == "hostdevs" && (added || removed)) {
    DomainDeviceRef dev{DomainDeviceRef::Type::hostdev, t[1]};
    if (added) set.attach.push_back(dev);
    else set.detach.push_back({dev, field});
    return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> out;
  if (pointer.starts_with('/')) pointer.remove_prefix(1);
  else if (pointer.empty()) return out;
  while (true) {
    auto slash = pointer.find('/');
    out.push_back(unescape(pointer.substr(0, slash)));
    if (slash == std::string_view::npos) break;
    pointer.remove_prefix(slash + 1);
  }
  return out;
}

DomainChangeSet DomainChangeSet::of(const std::vector<FieldChange>& fields) {
  DomainChangeSet set;
  for (const FieldChange& field : fields) {
    std::vector<std::string> t = pointer_tokens(field.path);
    if (t.size() == 1 && t[0] == "autostart") {
      set.autostart = true;
      continue;
    }
    if (t.size() == 1 && t[0] == "state") {
      set.state = true;
      continue;
    }
    set.config = true;
    if (field.impact == Impact::none) {  // a policy of apply's: the owner metadata only
      set.metadata = true;
      continue;
    }
    if (t.empty() || field.impact != Impact::live || !place_live(set, field, t)) set.restart.push_back(field);
  }
  return set;
}

}  // namespace virtplan::kvm

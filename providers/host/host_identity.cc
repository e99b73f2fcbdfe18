#include "providers/host/host_identity.h"

#include "providers/host/host_permission.h"
#include "providers/virsh/runner.h"
#include "providers/xml/document.h"

#include <fmt/format.h>

namespace virtplan::providers {

bool HostIdentity::same_hypervisor(const HostIdentity& other) const {
  if (libvirt_uuid != other.libvirt_uuid) return false;
  // `local` has no SSH key to compare: the UUID decides.
  if (ssh_host_key.empty() || other.ssh_host_key.empty()) return true;
  return ssh_host_key == other.ssh_host_key;
}

std::string HostIdentity::describe() const {
  if (ssh_host_key.empty()) return fmt::format("libvirt host UUID {}", libvirt_uuid);
  return fmt::format("libvirt host UUID {}; SSH host key {}", libvirt_uuid, ssh_host_key);
}

Result<std::string> libvirt_host_uuid(const std::string& capabilities) {
  auto doc = XmlDocument::parse(capabilities, "capabilities");
  if (!doc) return fail(doc.error());
  auto uuids = doc->root().xpath_strings("/capabilities/host/uuid/text()");
  if (!uuids) return fail(uuids.error());
  if (uuids->empty() || uuids->front().empty()) {
    return fail(ErrorCode::invalid, "virsh capabilities shows no host UUID");
  }
  return uuids->front();
}

Result<HostIdentity> read_host_identity(const HostConfig& config, Transport& transport) {
  VirshRunner virsh(transport, config.libvirt_uri, config.become);
  auto capabilities = virsh.run({"capabilities"});
  // The first command of every run: a user the host refuses learns here what to add.
  if (!capabilities) return fail(with_permission_hint(config, capabilities.error()));
  auto uuid = libvirt_host_uuid(*capabilities);
  if (!uuid) return fail(uuid.error().with_context(config.name));
  // Known once the command above reached the host.
  return HostIdentity{std::move(*uuid), transport.host_key()};
}

std::vector<std::string> same_hypervisor_errors(const std::map<std::string, HostIdentity>& identities) {
  std::vector<std::string> errors;
  for (auto later = identities.begin(); later != identities.end(); ++later) {
    for (auto earlier = identities.begin(); earlier != later; ++earlier) {
      if (!earlier->second.same_hypervisor(later->second)) continue;
      errors.push_back(fmt::format("{}: the same hypervisor as host '{}' ({}): declare each hypervisor once",
                                   later->first, earlier->first, later->second.describe()));
      break;  // named once, with the first entry it repeats
    }
  }
  return errors;
}

}  // namespace virtplan::providers

#include "providers/virsh/host_probe.h"

#include "providers/xml/document.h"

#include <fmt/format.h>

#include <sstream>

namespace virtplan::providers {

namespace {

// "Using library: libvirt 9.0.0" -> "9.0.0"; "Running hypervisor: QEMU 7.2.0"
// -> "QEMU 7.2.0".
std::string value_after(const std::string& text, std::string_view label) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(label)) return line.substr(label.size());
  }
  return {};
}

}  // namespace

Result<HostFacts> parse_host_facts(const std::string& version, const std::string& capabilities) {
  HostFacts facts;
  facts.libvirt_version = value_after(version, "Using library: libvirt ");
  facts.hypervisor = value_after(version, "Running hypervisor: ");
  if (facts.libvirt_version.empty()) {
    return fail(ErrorCode::invalid, "virsh version printed no libvirt version");
  }
  auto doc = XmlDocument::parse(capabilities, "capabilities");
  if (!doc) return fail(doc.error());
  auto kvm =
      doc->root().xpath_strings("/capabilities/guest[arch/@name='x86_64']/arch/domain[@type='kvm']/@type");
  if (!kvm) return fail(kvm.error());
  facts.kvm = !kvm->empty();
  return facts;
}

Result<HostFacts> probe_host(const VirshRunner& virsh) {
  auto results = virsh.batch({{"version"}, {"capabilities"}});
  for (auto& r : results) {
    if (!r) return fail(r.error());
  }
  return parse_host_facts(*results[0], *results[1]);
}

}  // namespace virtplan::providers

#pragma once

// DomainOwner is virtplan's private metadata element in a domain's XML:
//   <metadata>
//     <vp:owner xmlns:vp="https://virtplan.dev/xmlns/owner/1" stack="demo"
//               restart="if-needed" hotplug-slots="4" wait-ip="true" wait-timeout="120"
//               shutdown-timeout="60">
//       <vp:cloud-init>{"user_data": ...}</vp:cloud-init>
//       <vp:set path="/domain/..." value="on"/>
//       <vp:remove path="/domain/..."/>
//     </vp:owner>
//   </metadata>
// It says which stack owns the domain, and keeps the managed fields libvirt
// cannot express (restart policy, cloud-init data, how many spare root ports
// were reserved, the xml patches), so that they read back without false
// diffs. libvirt allows one element per namespace in <metadata>: whoever
// rewrites the owner element (`virsh metadata`) must keep its attributes and
// children.

#include "kvm/domain_spec.h"
#include "providers/xml/namespace.h"
#include "providers/xml/node.h"

#include <optional>
#include <string>

namespace virtplan::kvm {

struct DomainOwner {
  static const providers::XmlNamespace& xml_namespace();

  std::string stack;
  std::string restart = "if-needed";
  int hotplug_slots = 0;
  std::optional<DomainSpec::Wait> wait;
  std::optional<int> shutdown_timeout;  // seconds
  std::optional<nlohmann::json> cloud_init;
  std::vector<DomainSpec::XmlPatch> xml;

  static DomainOwner from_spec(const DomainSpec& spec, std::string stack);
  // Replaces the owner element under <metadata> (created if needed) of `domain`.
  void write(providers::XmlNode domain) const;
  // The owner element without any namespace, as `virsh metadata --set
  // --key vp --uri URI` takes it (libvirt puts it into the namespace), on one
  // line of printable ASCII (characters references for the rest), as it goes
  // to virsh on its standard input (VirshRunner::run_secret).
  std::string unqualified_xml() const;
  // The owner element of `domain`, nullopt when there is none.
  static std::optional<DomainOwner> read(providers::XmlNode domain);
};

}  // namespace virtplan::kvm

#pragma once

// DomainReconciler fills in a desired domain spec what libvirt chose when the
// stack left it open, taken from the observed spec, so it is not a change:
//   - a NIC keyed "network:lan#N" (no `mac:`) takes the MAC of an observed
//     NIC on the same source that no desired NIC names: first those with the
//     same model, then any; candidates in MAC order, placeholders in N order
//     (deterministic: the same pairing on every run). Unmatched placeholders
//     stay (a NIC to add; libvirt assigns its MAC at define).
//   - a `cpu:` without a mode (pins only) takes the observed mode and model
//     (libvirt gives TCG domains a custom qemu64 CPU by default).
//   - a disk's tuning keys the stack leaves out (io, discard, detect_zeroes,
//     iotune, serial, boot_order: DiskKeys) take the observed disk's values:
//     they are not managed.
//   - virt_type "auto" takes the observed type (kvm or qemu): "auto" means
//     what the host offered when the domain was created, and a domain is not
//     restarted because the host's capability changed since. For a domain
//     that does not exist yet the engine may pass {"virt_type": "kvm"} (from
//     `virsh capabilities`, see host_virt_type()) as `observed`.

#include <nlohmann/json.hpp>

#include <string>

namespace virtplan::kvm {

class DomainReconciler {
public:
  static nlohmann::json reconcile(const nlohmann::json& desired, const nlohmann::json& observed);
};

// "kvm" when `virsh capabilities` XML offers a kvm domain type for x86_64
// hvm guests, else "qemu" (TCG, which runs everywhere).
std::string host_virt_type(const std::string& capabilities_xml);

}  // namespace virtplan::kvm

#pragma once

// DomainDevicesXml turns the device keys of DomainDevices into libvirt's
// <devices> elements and back. Reading gives every key the domain's XML can
// state in the spec's terms; a device the spec cannot name (a serial port on
// TCP, an RNG fed by EGD, a passthrough TPM) leaves its key out, so it stays
// unmanaged. An update rewrites only the kinds the stack declares and whose
// value differs, and graphics in place (keeping attributes the spec does not
// name: keymap, passwdValidTo, GL settings...).

#include "kvm/domain_devices.h"
#include "providers/xml/node.h"

#include <nlohmann/json.hpp>

namespace virtplan::kvm {

class DomainDevicesXml {
public:
  // The device keys of `devices` (a <devices> element), canonical.
  static nlohmann::json read(providers::XmlNode devices);
  // A new domain's devices: each declared key, else its new-domain default.
  static void write_new(providers::XmlNode devices, const DomainDevices& declared);
  // Rewrites each declared kind whose value differs from what `devices` holds.
  static void update(providers::XmlNode devices, const DomainDevices& desired);
  // Sets the first console's password to the declared one (or removes it).
  static void set_password(providers::XmlNode devices, const DomainDevices& desired);
  // How many PCIe root ports a new domain's devices of these kinds take
  // beyond the USB controller and memory balloon the writer already counts.
  static int pcie_ports(const DomainDevices& declared);
};

}  // namespace virtplan::kvm

#pragma once

// DomainXmlWriter turns a DomainSpec into the libvirt XML that defines the
// domain, built with libxml2's tree API. Besides the managed fields it writes
// what every virtplan domain has and nobody manages: ACPI and APIC (so
// `shutdown` works), a serial console on a pty, UTC clock, and the owner
// metadata (DomainOwner). The xml patches are applied last.
//
// hotplug_slots N > 0 writes pcie-root plus enough pcie-root-port
// controllers that N of them stay free once libvirt has placed the devices
// (see pcie_devices in the source); 0 leaves the layout to libvirt.
//
// virt_type "auto" is written as `auto_virt_type` (DomainKind passes "qemu",
// which runs everywhere, unless the engine resolved it: see DomainKind).
//
// A disk's volume is written by path when `sources` knows it (DiskSources:
// the actuator asks the host), else by pool and volume.

#include "kvm/disk_sources.h"
#include "kvm/domain_spec.h"
#include "providers/base/error.h"
#include "providers/xml/document.h"

#include <string>

namespace virtplan::kvm {

class DomainXmlWriter {
public:
  static providers::Result<providers::XmlDocument> write(const DomainSpec& spec, const std::string& name,
                                                         const std::string& stack,
                                                         const std::string& auto_virt_type = "qemu",
                                                         const DiskSources& sources = DiskSources::none());

  // The pieces an update rewrites in place, shared with DomainXmlUpdater.
  static void write_memory(providers::XmlNode domain, const DomainSpec& spec);
  static void write_vcpus(providers::XmlNode domain, const DomainSpec& spec);
  static void write_os(providers::XmlNode os, const DomainSpec& spec);
  static void write_cpu(providers::XmlNode domain, const DomainSpec& spec);
  // The <cpu> there changed in place to the spec's mode and model: what the
  // stack does not declare (check, match, a model's fallback, features,
  // topology) stays. write_cpu() where there is none, or none is wanted.
  static void update_cpu(providers::XmlNode domain, const DomainSpec& spec);
  static void write_tuning(providers::XmlNode domain, const DomainSpec& spec);
  static void write_security(providers::XmlNode domain, const DomainSpec& spec);
  // Whether a disk has a `boot_order` (DiskKeys): then <os> has no <boot dev>.
  static bool disk_boot_order(const DomainSpec& spec);
};

}  // namespace virtplan::kvm

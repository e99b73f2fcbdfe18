#pragma once

// DomainLiveUpdater applies the live-class part of a domain update to the
// running domain (`--live` only: the config is written by the atomic
// redefine, so live and config end up alike without applying anything twice).
//
// Detaches come first, before the redefine: a device is only reported gone
// when a re-read of the live XML no longer shows it (virtio detach returns
// success after 5 s even when the guest kept the device: libvirt-facts.md),
// and one the guest did not release within the timeout stays in the config,
// so the next plan still shows it. Everything else comes after the redefine,
// from the new inactive XML, so an attached device has the MAC and address
// libvirt assigned at define: setvcpus, setmem, desc, metadata (the owner
// element), blkdeviotune (a disk's I/O limits), update-device (CD-ROM
// media, NIC source and link state), domiftune (a NIC's bandwidth),
// attach-device, each attach confirmed by a re-read.

#include "kvm/domain_change_set.h"
#include "kvm/domain_spec.h"
#include "kvm/domain_timing.h"
#include "providers/kind/step_log.h"
#include "providers/virsh/runner.h"
#include "providers/xml/document.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::kvm {

class DomainLiveUpdater {
public:
  DomainLiveUpdater(const providers::VirshRunner& virsh, std::string name, providers::StepLog& log,
                    DomainTiming timing, std::function<void(std::string_view)> progress = {});

  // Detaches each device from the running domain. Returns the ones the guest
  // did not release within the timeout.
  providers::Result<std::vector<DomainChangeSet::Detach>> detach(
      const std::vector<DomainChangeSet::Detach>& devices);

  // The rest of `changes`, from `config` (the inactive XML after the redefine).
  providers::Result<void> apply(const DomainChangeSet& changes, const DomainSpec& desired,
                                const providers::XmlDocument& config);

  // The running domain's XML.
  providers::Result<providers::XmlDocument> live_xml() const;

private:
  providers::Result<void> run(std::vector<std::string> args, std::string done,
                              std::optional<std::string> stdin_data = std::nullopt);
  providers::Result<void> set_metadata(const providers::XmlDocument& config);
  providers::Result<void> set_bandwidth(const std::string& mac, const providers::XmlDocument& config);
  // `virsh blkdeviotune --live` with the disk's limits in `desired` (DiskKeys iotune).
  providers::Result<void> set_iotune(const std::string& target, const DomainSpec& desired);
  providers::Result<void> device_command(const char* command, const DomainDeviceRef& device,
                                         const providers::XmlDocument& from, std::string done);

  const providers::VirshRunner& m_virsh;
  std::string m_name;
  providers::StepLog& m_log;
  DomainTiming m_timing;
  std::function<void(std::string_view)> m_progress;
};

}  // namespace virtplan::kvm

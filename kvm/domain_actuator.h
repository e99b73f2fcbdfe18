#pragma once

// DomainActuator creates, updates and destroys domains on a host with virsh.
//
// create: `define` the kind's create XML (`virt_type: auto` becomes kvm when
//   the host's capabilities offer it, else qemu), `autostart` when asked,
//   `start` (`--paused`) for state running (paused); with `wait: {ip: true}`
//   the step ends once the guest has an IPv4 address (kvm::wait_for_address;
//   a DHCP lease its MACs held before the start does not count), or fails
//   after the spec's timeout naming domain, host and timeout.
// update: exactly the impact the plan recorded in each field, the cheapest
//   safe way (DomainChangeSet sorts the fields by the domain's field rules):
//   1. restart-class fields on a running domain with `restart: never` are
//      left out of the config, so the plan keeps showing them, and the step
//      warns "restart pending (restart: never)"; config-class fields (a
//      restart-class change planned while the domain did not run across
//      the apply) of a domain found up and staying up are left out too,
//      with a warning: never a restart the plan did not show; then a field the plan
//      showed as live that has no live way fails the step before anything
//      changes (it never restarts the domain);
//   2. live detaches, confirmed (DomainLiveUpdater); a device the guest kept
//      stays in the config;
//   3. one atomic redefine: the live inactive XML through update_xml(), same
//      UUID (also when only the ownership marker is missing);
//   4. the other live fields on the running domain, from the inactive XML
//      read once after the redefine; when one fails, the config is put back
//      as it was, so the change stays pending (the next plan shows it);
//   5. a replaced cloud-init seed (/cloud_init/seed_sha256) on a domain that
//      stays up: its CD-ROM media swapped live (kvm/domain_seed_media.h);
//      the guest reads it at its next boot (the field is restart-class);
//   6. autostart;
//   7. either one restart for all restart-class fields (graceful shutdown,
//      forced after the timeout, start), or the power state the spec asks
//      (running, stopped, paused; both ways); a domain started here waits
//      for its IP address as after a create.
//   The spec's `shutdown_timeout` (seconds) overrides the timing's default.
// destroy: a running or paused domain is shut down gracefully (ACPI, up to
//   its `shutdown_timeout`, then forced off with a warning saying so), or
//   forced off at once with step.stop immediate (`virtplan destroy
//   --force`); then undefined with its managed-save image, snapshot and
//   checkpoint metadata and NVRAM (the plan's DATA LOSS line names them:
//   kvm/domain_saved_state.h) — never its volumes. A replace's destroy stops
//   the domain the same way. An object already gone is fine (a rerun after a
//   crash).

#include "kvm/domain_timing.h"
#include "providers/kind/actuator.h"

namespace virtplan::kvm {

class DomainActuator : public providers::KindActuator {
public:
  explicit DomainActuator(DomainTiming timing = {}) : m_timing(timing) {}

  std::string_view kind() const override { return "domain"; }
  providers::Result<providers::ActuatorOutcome> create(const providers::ActuatorStep& step,
                                                       providers::HostSession& host) const override;
  providers::Result<providers::ActuatorOutcome> update(const providers::ActuatorStep& step,
                                                       providers::HostSession& host) const override;
  providers::Result<providers::ActuatorOutcome> destroy(const providers::ActuatorStep& step,
                                                        providers::HostSession& host) const override;
  providers::Result<bool> exists(const providers::ObjectId& id, providers::HostSession& host) const override;
  // Asks for the domain capabilities of the host's own architecture in the
  // background: the first define after libvirtd starts waits for libvirtd to
  // probe that QEMU binary (it runs it: seconds), and so does every define
  // behind it. Asked at the apply's first step on the host, the probe runs
  // beside the steps before the first define (pools, networks, volumes) on
  // every host at once; once done, libvirtd answers from its cache (~ms).
  void prepare(providers::HostSession& host) const override;
  // kvm/domain_migration.h
  providers::Result<providers::ActuatorOutcome> migrate(const providers::MigrationStep& step,
                                                        providers::MigrationPart part,
                                                        providers::HostSession& from,
                                                        providers::HostSession& to) const override;

private:
  DomainTiming m_timing;
};

}  // namespace virtplan::kvm

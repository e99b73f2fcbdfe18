#pragma once

// DomainOperations are the lifecycle verbs people use outside desired state
// (`virtplan domain VERB ADDR`): start, shutdown, reboot, destroy (force off),
// suspend, resume, and managed save / restore. Each is one virsh command (a
// shutdown also waits for the guest), and each error says which domain on
// which host and what was not done. The stack is not changed: the next plan
// shows a domain whose state an operation changed against what the stack says.

#include "providers/base/error.h"
#include "providers/virsh/runner.h"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::kvm {

class DomainOperations {
public:
  DomainOperations(const providers::VirshRunner& virsh, std::string domain);

  // Boots the domain; one with a managed save image resumes from it.
  providers::Result<void> start() const;
  // Asks the guest to power off and waits up to `timeout` for it. When it is
  // still running then: with `force` it is forced off (returns true), without
  // it the result is a timeout error that says nothing was forced.
  providers::Result<bool> shutdown(std::chrono::milliseconds timeout, bool force) const;
  providers::Result<void> reboot() const;
  // Forced off at once, like pulling the plug.
  providers::Result<void> destroy() const;
  providers::Result<void> suspend() const;
  providers::Result<void> resume() const;
  // Saves memory and device state to the host's managed save image and stops
  // the domain; restore() starts it from that image, and fails when there is none.
  providers::Result<void> save() const;
  providers::Result<void> restore() const;

  // `virsh domstate`: "running", "paused", "shut off"...
  providers::Result<std::string> state() const;

private:
  providers::Result<void> run(std::vector<std::string> args, std::string_view not_done) const;
  std::string where() const;

  const providers::VirshRunner& m_virsh;
  std::string m_domain;
};

}  // namespace virtplan::kvm

#pragma once

// DomainBackup takes a push backup of a running domain's disk into a file on
// the host (`virsh backup-begin` with a backup document built by libxml2),
// then waits for libvirt's backup job to finish and says whether it did.

#include "providers/base/error.h"
#include "providers/virsh/runner.h"

#include <chrono>
#include <string>
#include <string_view>

namespace virtplan::kvm {

class DomainBackup {
public:
  DomainBackup(const providers::VirshRunner& virsh, std::string domain);

  // Copies disk `target` ("vda") to `file` (qcow2) on the host and waits up
  // to `timeout` for the job. Only that disk is backed up.
  providers::Result<void> push(std::string_view target, std::string_view file,
                               std::chrono::milliseconds timeout) const;

  // The <domainbackup> document for push(); public for tests.
  static std::string backup_xml(std::string_view target, std::string_view file);

private:
  std::string where() const;

  const providers::VirshRunner& m_virsh;
  std::string m_domain;
};

}  // namespace virtplan::kvm

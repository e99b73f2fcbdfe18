#pragma once

// LocalTransport runs programs on this machine, without a shell: for hosts
// declared `address: local` and for the Ansible module on the hypervisor.
// It is safe to use from several threads at once.

#include "providers/transport.h"

#include <string>

namespace virtplan::providers {

class LocalTransport : public Transport {
public:
  // Ignores SIGPIPE for the whole process (once): a child that closes its
  // standard input early must make our write fail, not kill us.
  LocalTransport();

  // Runs argv[0] (looked up in PATH) in its own process group, with only
  // stdin, stdout and stderr open. A program killed by signal N ends with exit
  // status 128+N and a line saying so in `err`. Fails with not_found when the
  // program does not exist and with timeout (after killing the whole process
  // group) when it runs longer than command.timeout.
  Result<CommandOutput> run(const Command& command) override;

  const std::string& host_name() const override;
};

}  // namespace virtplan::providers

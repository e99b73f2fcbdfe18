#pragma once

// SharedVirsh is where VirshRunner::run() sends the commands that may share a
// virsh process with other threads' commands: apply runs many steps on a host
// at once, most of them one quick command (define, vol-create, start...), and
// starting a virsh process and its libvirt connection costs more than such a
// command (libvirt-facts.md). Two ways to share one:
//   - VirshShellPool (virsh_shell_pool.h): a few virsh processes kept running
//     on the host for the whole session, fed commands as they come. Used
//     whenever the transport can stream a command (SSH, local).
//   - VirshBatcher (virsh_batcher.h): commands that meet run in one new virsh
//     process. For transports that cannot stream (the unit tests' fakes).
//
// Only quick commands are shared (is_quick_virsh_command): definitions,
// deletions and reads, which libvirtd answers in milliseconds. Starting a
// QEMU, a graceful shutdown or a block job can take seconds; in one virsh
// process they would hold up every command behind them, so they run alone.

#include "providers/base/error.h"
#include "providers/virsh/runner.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

// Whether commands of this virsh subcommand are quick enough to share a
// virsh process.
bool is_quick_virsh_command(std::string_view subcommand);
// Whether this call is: its subcommand is, or its caller says so
// (VirshCall::quick).
bool is_quick_virsh_call(const VirshCall& call);

// Whether this call only reads (dumpxml, list, metadata without --set...):
// one that may have run can be sent again without harm. Any other call that
// may have run is never sent twice (architecture.md, decision 10).
bool is_read_only_virsh_call(const VirshCall& call);

class SharedVirsh {
public:
  virtual ~SharedVirsh() = default;
  // Whether this runs `call`; VirshRunner runs the others alone.
  virtual bool takes(const VirshCall& call) const = 0;
  // Runs `call` and returns its output or error as VirshRunner::run would.
  virtual Result<std::string> run(VirshCall call, std::chrono::milliseconds timeout) = 0;
  // Runs a batch as VirshRunner::batch_calls would, or returns nothing when
  // this does not run batches (or not these calls): then the batch runs in a
  // virsh process of its own.
  virtual std::optional<std::vector<Result<std::string>>> run_all(const std::vector<VirshCall>& calls,
                                                                  std::chrono::milliseconds timeout) {
    (void)calls;
    (void)timeout;
    return std::nullopt;
  }
};

}  // namespace virtplan::providers

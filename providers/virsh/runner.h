#pragma once

// VirshRunner runs virsh commands on one host through its Transport, so the
// same code works locally and over SSH. Every command runs as
// `[sudo -n] virsh -q -c URI ...` (-q: no table headers, no "Domain x
// defined" chatter). XML documents go on standard input (`define
// /dev/stdin`), never on a command line.
//
// batch() runs many subcommands in one virsh process (one connection, one
// round trip) and gives each its own output or error; see virsh_runner.cc for
// how outputs and errors are attributed.
//
// Names that come from users belong in option values (`--domain NAME`):
// virsh takes a word starting with "--" as an option even when quoted.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/transport.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace virtplan::providers {

class SharedVirsh;

// One virsh command and the document it reads on standard input (its
// "/dev/stdin" argument), for batch_calls().
struct VirshCall {
  std::vector<std::string> args;
  std::optional<std::string> document;
  // The caller knows this call returns promptly although its subcommand
  // need not (a dir pool's pool-start, unlike a network filesystem's mount):
  // it may share a virsh process like the quick subcommands (shared_virsh.h).
  bool quick = false;
  // The call may take seconds (a network's start: its dnsmasq and firewall
  // rules), yet a shared virsh may run it where it holds up no other call:
  // VirshShellPool sends it to a shell that other calls avoid until it is
  // answered, rather than start a virsh process, a libvirtd connection and
  // an SSH channel for it alone.
  bool aside = false;
};

class VirshRunner {
public:
  VirshRunner(Transport& transport, std::string uri, Become become = Become::none);
  // run() hands the commands `shared` takes to it, which may run them in a
  // virsh process together with other threads' commands (shared_virsh.h);
  // it must outlive this runner and its copies.
  VirshRunner(Transport& transport, std::string uri, Become become, SharedVirsh* shared);

  // Runs one virsh command: args are the subcommand and its arguments
  // ({"define", "/dev/stdin"}). Returns what it printed on stdout; fails with
  // virsh's error (see virsh_error.h) when it exits non-zero, and with the
  // transport's error when it could not run at all.
  Result<std::string> run(std::vector<std::string> args,
                          std::optional<std::string> stdin_data = std::nullopt) const;
  // run() for a call the caller knows to be quick (VirshCall::quick).
  Result<std::string> run_quick(std::vector<std::string> args) const;
  // run() for a call that may take seconds, held aside (VirshCall::aside).
  Result<std::string> run_aside(std::vector<std::string> args) const;

  // run() in a virsh process of its own, never a shared one, and with no
  // second look at a bare "failed to get domain": for a SharedVirsh that
  // falls back to running alone a call it was handed (the runner that handed
  // it over looks at the result).
  Result<std::string> run_alone(std::vector<std::string> args, std::optional<std::string> stdin_data) const;

  // Runs one command whose words hold a secret that virsh takes only as an
  // argument (`metadata --set`'s element, cloud-init data inside), so that
  // the words reach no command line on the host (ps, audit logs): the
  // command goes on the standard input of a virsh of its own, which reads it
  // as a command in its interactive mode (as VirshShell's does). Every word
  // must be printable ASCII, since readline acts on control characters
  // (escape the rest first: XML takes character references); a call with
  // another word fails without running.
  Result<void> run_secret(std::vector<std::string> args) const;

  // Like run(), with the local file `path` streamed to virsh's standard
  // input (`vol-upload ... --file /dev/stdin`), never read into memory;
  // `progress` gets the bytes sent so far (Command::stdin_progress). An
  // upload takes as long as it takes: `timeout` replaces the runner's.
  Result<std::string> run_with_file(std::vector<std::string> args, const std::string& path,
                                    std::function<void(std::uint64_t)> progress,
                                    std::chrono::milliseconds timeout) const;

  // Runs every command in one virsh process, in order, and returns one result
  // per command, in the same order: its stdout, or its error. A failing
  // command does not stop the ones after it. When virsh rejects the batch as a
  // whole (an unknown option anywhere: virsh parses everything before running
  // anything) or cannot run, every command fails with that error. Very long
  // batches are split over several virsh processes, each under the size an
  // argument may have.
  std::vector<Result<std::string>> batch(const std::vector<std::vector<std::string>>& commands) const;

  // batch() for commands that may read a document: each call's document is
  // sent on the one standard input, written to a private temporary file on
  // the host (removed when virsh ends), and the call's "/dev/stdin"
  // argument names that file instead.
  std::vector<Result<std::string>> batch_calls(const std::vector<VirshCall>& calls) const;

  const std::string& uri() const { return m_uri; }
  Become become() const { return m_become; }
  Transport& transport() const { return m_transport; }
  // For every command from now on; default 5 minutes. A runner with its own
  // timeout runs its commands alone, never in a shared virsh.
  void set_timeout(std::chrono::milliseconds timeout) {
    m_timeout = timeout;
    m_shared = nullptr;
  }
  std::chrono::milliseconds timeout() const { return m_timeout; }

private:
  // [sudo -n] virsh -q -c URI, to which the subcommand is appended.
  std::vector<std::string> base_argv() const;
  std::vector<Result<std::string>> run_batch(const std::vector<const VirshCall*>& calls) const;
  Result<std::string> run_call(VirshCall call) const;
  // To the shared virsh or a virsh of its own, with no second look at the result.
  Result<std::string> send(VirshCall call) const;
  // `result`, unless it is a bare "failed to get domain 'NAME'" that a
  // listing contradicts (libvirtd lists NAME) or cannot confirm (the listing
  // fails too): then an error that says so, never not_found. What treats
  // not_found as "gone already" (a destroy, an existence check) may trust it.
  Result<std::string> confirm_absence(Result<std::string> result) const;
  std::string context(const std::vector<std::string>& args) const;

  Transport& m_transport;
  std::string m_uri;
  Become m_become;
  SharedVirsh* m_shared = nullptr;
  std::chrono::milliseconds m_timeout{std::chrono::minutes(5)};
};

}  // namespace virtplan::providers

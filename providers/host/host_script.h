#pragma once

// host_script_argv() is how virtplan runs its own shell code on a host (the
// stack lock, its breaker, the ledger): constant code in `sh -c`, named
// `name` ($0, what `ps` and error messages show), with every value as an
// argument ($1, $2, ...) so that none is ever parsed as code; as root through
// `sudo -n` when the host's `become` says so.

#include "providers/base/error.h"
#include "providers/host/host_config.h"
#include "providers/host/transport.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

std::vector<std::string> host_script_argv(Become become, std::string_view script, std::string_view name,
                                          std::vector<std::string> args);

class HostSession;

struct HostScriptOptions {
  std::optional<std::string> input = std::nullopt;  // its standard input
  std::chrono::milliseconds timeout = std::chrono::minutes(2);
  // Exit statuses that are answers, not failures, besides 0 (a script's
  // "there is none", say); `any_status`: the caller reads the status itself.
  std::optional<int> also_allowed = std::nullopt;
  bool any_status = false;
};

// Runs constant shell code on the session's host (host_script_argv, through
// its transport, as its `become` says). A status other than 0 (and the
// options' allowed one) is an error: "NAME on HOST failed (exit status N):
// what it printed on stderr".
Result<CommandOutput> run_host_script(HostSession& host, std::string_view script, std::string_view name,
                                      std::vector<std::string> args, HostScriptOptions options = {});

}  // namespace virtplan::providers

#pragma once

// host_script_argv() is how virtplan runs its own shell code on a host (the
// stack lock, its breaker, the ledger): constant code in `sh -c`, named
// `name` ($0, what `ps` and error messages show), with every value as an
// argument ($1, $2, ...) so that none is ever parsed as code; as root through
// `sudo -n` when the host's `become` says so.

#include "providers/host/host_config.h"

#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

std::vector<std::string> host_script_argv(Become become, std::string_view script, std::string_view name,
                                          std::vector<std::string> args);

}  // namespace virtplan::providers

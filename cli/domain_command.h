#pragma once

// `virtplan domain VERB ADDR [ARG]`: lifecycle operations on one domain of the
// stack, outside desired state. ADDR is domain.NAME@HOST; HOST is reached as
// the stack (-f) declares it. A domain the stack does not own is refused
// unless --force-unowned: operations are for the stack's own machines, and a
// typo must not stop someone else's.

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_domain(CLI::App& command);

}  // namespace virtplan::cli

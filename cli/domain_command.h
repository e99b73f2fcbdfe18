#pragma once

// `virtplan domain VERB ADDR [ARG]`: lifecycle operations on one domain of the
// stack, outside desired state. ADDR is domain.NAME@HOST; HOST is reached as
// the stack (-f) declares it. A domain the stack does not own is refused
// unless --force-unowned: operations are for the stack's own machines, and a
// typo must not stop someone else's. Every verb but snapshot-list holds the
// stack's lock on the host (providers/host/stack_lock.h) while it runs, and is
// refused, doing nothing, while an apply holds it.

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_domain(CLI::App& command);

}  // namespace virtplan::cli

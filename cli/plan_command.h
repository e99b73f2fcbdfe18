#pragma once

// `virtplan plan [-f PATH] [--target ADDR]... [--out FILE] [--json]
// [--detailed-exitcode]`: load the stack, observe every host, diff, print the
// plan. Exit 0; 1 on any error (a host that could not be read, an object in
// the way that the stack does not own); with --detailed-exitcode, 2 when the
// plan has changes (and still 1 when a host could not be read).

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_plan(CLI::App& command);

}  // namespace virtplan::cli

#pragma once

// `virtplan show PLANFILE [--json]`: renders a plan saved by `plan --out`,
// as text or as JSON (secrets masked either way), without contacting any
// host. Exit 0, or 1 when the file cannot be read or is not a plan.
// `virtplan show [-f PATH] [--json]` without PLANFILE shows the stack's live
// state instead: every object it owns, with its observed spec
// (cli/live_state_view.h).

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_show(CLI::App& command);

}  // namespace virtplan::cli

#pragma once

// `virtplan show PLANFILE [--json]`: renders a plan saved by `plan --out`,
// as text or as JSON (secrets masked either way), without contacting any
// host. Exit 0, or 1 when the file cannot be read or is not a plan.
// (The design's `show` without a file, the stack's live state, is not built
// yet: PLANFILE is required for now.)

#include "cli/subcommand.h"

namespace virtplan::cli {

SubcommandRunner setup_show(CLI::App& command);

}  // namespace virtplan::cli

#pragma once

// show_live_state() is `virtplan show [-f PATH] [--json]` without a plan
// file: every object the stack owns, on every host, with its observed spec
// (secrets masked), as text (the address, then the spec as YAML indented
// under it) or JSON ({"stack", "objects": [{"address", "kind", "name",
// "host", "spec"}], "unreachable": {HOST: WHY}}), sorted by address.
// Returns the exit status: 0, or 1 when the stack does not load or a host
// could not be read.

#include <string>

namespace virtplan::cli {

int show_live_state(const std::string& path, bool json);

}  // namespace virtplan::cli

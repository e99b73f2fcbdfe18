#pragma once

// run() is the virtplan command line: it parses the arguments and runs one
// subcommand from the table in app.cc.

namespace virtplan::cli {

int run(int argc, char** argv);

}  // namespace virtplan::cli

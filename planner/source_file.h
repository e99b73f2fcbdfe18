#pragma once

// SourceFile is one stack file's text and the path that names it in messages
// (as given on the command line, or DIR/NAME for a directory stack).

#include <string>

namespace virtplan::planner {

struct SourceFile {
  std::string path;
  std::string text;
};

}  // namespace virtplan::planner

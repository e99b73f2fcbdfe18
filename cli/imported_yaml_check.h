#pragma once

// refused_declarations() reads the YAML `virtplan import` is about to print
// back through the stack loader (every kind's parser, references and checks)
// beside the stack's own files, before anything is adopted: a declaration
// that would not validate is refused with the loader's words, so import
// never prints YAML its own `validate` rejects (issue 17). The declarations
// go first, so that where the stack already declares an object (declared but
// not owned: the plan says to import it), the imported declaration is the one
// checked. Refusing one may break another that needs it (a volume whose pool
// was refused): the check runs again until what remains validates.

#include "planner/stack_files.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace virtplan::cli {

// One object's declaration as import would print it: SECTION: {NAME: ...}.
struct ImportedDeclaration {
  std::string address;  // "pool.images@lab1", for messages
  std::string section;  // "pools"
  std::string name;
  nlohmann::ordered_json declaration;  // {host: ..., type: ...}
};

// Why each refused declaration would not validate, by its index in
// `declarations`: the loader's messages about it, "; "-joined.
std::map<std::size_t, std::string> refused_declarations(const std::vector<planner::SourceFile>& stack_files,
                                                        const std::vector<ImportedDeclaration>& declarations);

}  // namespace virtplan::cli

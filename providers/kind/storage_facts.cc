#include "providers/kind/storage_facts.h"

namespace virtplan::providers {

bool pool_of_files(std::string_view type) { return type == "dir" || type == "fs" || type == "netfs"; }

}  // namespace virtplan::providers

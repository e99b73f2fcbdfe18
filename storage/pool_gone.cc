#include "storage/pool_gone.h"

#include "providers/virsh/command_results.h"

#include <fmt/format.h>

namespace virtplan::storage {

bool pool_gone(const providers::Result<std::string>* answer, const std::string& pool) {
  return providers::failed_saying(answer, fmt::format("pool '{}' is not active", pool)) ||
         providers::failed_saying(answer, fmt::format("no storage pool with matching name '{}'", pool)) ||
         providers::failed_saying(answer, "Storage pool not found: no storage pool with matching uuid '");
}

}  // namespace virtplan::storage

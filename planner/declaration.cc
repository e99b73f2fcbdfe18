#include "planner/declaration.h"

namespace virtplan::planner {

providers::YamlValue Declaration::yaml(std::string context) const {
  // Not through a one-entry map: inserting into a new map merges the whole
  // document's node set into it, once per declaration (quadratic in the stack).
  if (key.IsScalar()) return providers::YamlValue::of_entry(key, value, file, std::move(context));
  return providers::YamlValue(value, file, std::move(context));
}

}  // namespace virtplan::planner

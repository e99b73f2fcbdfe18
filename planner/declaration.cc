#include "planner/declaration.h"

namespace virtplan::planner {

providers::YamlValue Declaration::yaml(std::string context) const {
  // Read through a one-entry map, so that an empty value (`web:`) is placed at
  // its key rather than where yaml-cpp puts it, after the line.
  YAML::Node holder(YAML::NodeType::Map);
  holder.force_insert(key, value);
  providers::YamlMap map(holder, file, context);
  if (auto read = map.get(name()); key.IsScalar() && read) {
    return *read;
  }
  return providers::YamlValue(value, file, std::move(context));
}

}  // namespace virtplan::planner

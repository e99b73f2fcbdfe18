#include "providers/kind/reader.h"

namespace virtplan::providers {

ReadObject unrepresentable_object(const std::string& name, const Error& why, std::optional<std::string> owner,
                                  std::string pool) {
  return ReadObject{.name = name,
                    .spec = Spec::object(),
                    .owner = std::move(owner),
                    .pool = std::move(pool),
                    .unrepresentable = why.message()};
}

}  // namespace virtplan::providers

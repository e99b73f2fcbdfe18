#include "cli/kinds.h"

namespace virtplan::cli {

const providers::KindRegistry& kinds() {
  static const providers::KindRegistry registry = [] {
    providers::KindRegistry all;
    return all;
  }();
  return registry;
}

}  // namespace virtplan::cli

#include "kvm/domain_redefine_dump.h"

namespace virtplan::kvm {

std::vector<std::string> domain_redefine_dump(const std::string& name) {
  return {"dumpxml", "--inactive", "--security-info", "--domain", name};
}

}  // namespace virtplan::kvm

#include "kvm/disk_target_allocator.h"

namespace virtplan::kvm {

std::optional<std::string> DiskTargetAllocator::next(std::string_view bus) {
  const std::string stem = prefix(bus);
  for (char letter = 'a'; letter <= 'z'; ++letter) {
    std::string target = stem + letter;
    if (!m_taken.contains(target)) {
      m_taken.insert(target);
      return target;
    }
  }
  return std::nullopt;
}

std::string DiskTargetAllocator::prefix(std::string_view bus) {
  if (bus == "virtio") return "vd";
  if (bus == "ide") return "hd";
  return "sd";
}

}  // namespace virtplan::kvm

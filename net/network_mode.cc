#include "net/network_mode.h"

namespace virtplan::net {

std::string_view to_string(NetworkMode mode) { return k_network_mode_names[static_cast<int>(mode)]; }

std::optional<NetworkMode> network_mode_from_string(std::string_view text) {
  for (int i = 0; i < static_cast<int>(std::size(k_network_mode_names)); ++i) {
    if (k_network_mode_names[i] == text) {
      return static_cast<NetworkMode>(i);
    }
  }
  return std::nullopt;
}

}  // namespace virtplan::net

#include "providers/virsh/domifaddr.h"

#include "providers/base/plain_text.h"

namespace virtplan::providers {

std::vector<InterfaceAddress> parse_domifaddr(std::string_view output) {
  std::vector<InterfaceAddress> addresses;
  std::string mac;
  for (std::string_view line : lines_of(output)) {
    const auto words = words_of(line);
    // NAME MAC PROTOCOL ADDRESS/PREFIX
    if (words.size() < 4) continue;
    if (words[1] != "-") mac = lowercase(words[1]);
    if (words[2] != "ipv4" && words[2] != "ipv6") continue;
    addresses.push_back({mac, words[2], words[3].substr(0, words[3].find('/'))});
  }
  return addresses;
}

}  // namespace virtplan::providers

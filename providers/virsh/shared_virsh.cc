#include "providers/virsh/shared_virsh.h"

#include <algorithm>
#include <set>

namespace virtplan::providers {

bool is_quick_virsh_command(std::string_view subcommand) {
  static const std::set<std::string_view, std::less<>> k_quick = {
      // domains
      "autostart", "define", "desc", "domifaddr", "dominfo", "domstate", "dumpxml", "list", "metadata",
      "undefine",
      // networks
      "net-autostart", "net-define", "net-dhcp-leases", "net-dumpxml", "net-info", "net-list", "net-undefine",
      // pools and volumes
      "pool-autostart", "pool-define", "pool-dumpxml", "pool-info", "pool-list", "pool-undefine",
      "vol-create", "vol-delete", "vol-dumpxml", "vol-info", "vol-list", "vol-path",
      // the host
      "capabilities", "nodeinfo"};
  return k_quick.contains(subcommand);
}

bool is_read_only_virsh_call(const VirshCall& call) {
  static const std::set<std::string_view, std::less<>> k_reads = {
      "capabilities", "domcapabilities", "domifaddr",   "dominfo",  "domstate",    "dumpxml",
      "list",         "net-dhcp-leases", "net-dumpxml", "net-info", "net-list",    "nodeinfo",
      "pool-dumpxml", "pool-info",       "pool-list",   "sysinfo",  "vol-dumpxml", "vol-info",
      "vol-list",     "vol-path"};
  if (call.args.empty()) return false;
  if (call.args[0] == "metadata") {
    // `metadata DOMAIN URI` reads; with --set or --remove it writes.
    return std::ranges::none_of(
        call.args, [](const std::string& word) { return word == "--set" || word == "--remove"; });
  }
  return k_reads.contains(call.args[0]);
}

bool is_quick_virsh_call(const VirshCall& call) {
  return !call.args.empty() && (call.quick || is_quick_virsh_command(call.args[0]));
}

}  // namespace virtplan::providers

#pragma once

// domain_redefine_dump() is the one virsh command every redefine of a domain
// starts from (import's owner marker, apply's update, a config put back):
// its inactive XML *with* security info. Without --security-info, virsh
// leaves out a console's `passwd` (SPICE, VNC), and defining what it printed
// drops the password (issue 17): XML virtplan does not manage must survive.
// Reads that only compare (the observer's) need no secrets and do not use it.

#include <string>
#include <vector>

namespace virtplan::kvm {

std::vector<std::string> domain_redefine_dump(const std::string& name);

}  // namespace virtplan::kvm

#pragma once

// What `virtplan version` and `virtplan --version` print: the version
// (cmake/version.cmake: git describe at configure time, or the project's
// version outside git), the git commit, and the versions of the libraries
// the binary was built with. libvirt is not among them: virtplan links no
// libvirt; it runs virsh on each host, whose version `virtplan hosts`
// shows per host.

#include <string>

namespace virtplan::cli {

// "0.1.0+12.gabc1234" (a .deb's and the Galaxy collection's version too).
std::string version_number();

// Several lines, the first "virtplan VERSION".
std::string version_text();

}  // namespace virtplan::cli

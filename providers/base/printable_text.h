#pragma once

// Text that reaches a terminal from outside virtplan (a domain's title or
// description read from a host, a name, libvirt's error message) may hold a
// newline that forges a plan line, or an escape sequence that rewrites what
// the terminal shows. printable_text() escapes every such character before
// it is printed, so one value stays one visible piece of one line:
//   - C0 controls and DEL: "\n", "\r", "\t", "\e" (ESC) or "\x07";
//   - C1 controls (U+0080..U+009F) and the bidirectional overrides and
//     isolates (U+202A..U+202E, U+2066..U+2069): "\u009b", "\u202e";
//   - bytes that are not UTF-8: "\xff".
// Everything else, non-ASCII letters included, is kept as it is.

#include <string>
#include <string_view>

namespace virtplan::providers {

std::string printable_text(std::string_view text);

}  // namespace virtplan::providers

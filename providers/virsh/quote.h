#pragma once

// Quoting for virsh's own command-string parser (vshCommandStringGetArg in
// libvirt's tools/vsh.c), used to put many subcommands in one virsh argument:
// `virsh 'dominfo --domain a ; dominfo --domain b'`. Its rules, checked
// against virsh 9.0 here:
//   - space and tab separate words; ';' and newline end a subcommand;
//   - a word starting with '#' starts a comment to the end of the line;
//   - inside '...' every character is literal (newlines, ';', '\', '"');
//   - outside single quotes '\' escapes the next character (also inside
//     "...", unlike sh), and a backslash-newline is removed;
//   - quotes can be mixed within one word, as in sh.
// So sh-style single quoting is exact for virsh too: 'it'\''s' is it's.
//
// One thing quoting cannot fix: a word that starts with "--" is taken as an
// option name even when quoted. Pass names as option values
// (`--domain NAME`, `--pool NAME`), which virsh takes verbatim.

#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

// `text` as one virsh word: shell_quote(), the one quoting function, since
// sh-style quoting is exact for virsh (above).
std::string virsh_quote(std::string_view text);

// One subcommand: its words quoted, separated by spaces (shell_join(), for
// the same reason).
std::string virsh_join(const std::vector<std::string>& words);

}  // namespace virtplan::providers

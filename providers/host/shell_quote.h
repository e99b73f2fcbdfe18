#pragma once

// The one way an argument crosses a POSIX shell (sh, dash, bash): every
// argument that reaches a remote shell goes through shell_quote(), so a name
// like `web; rm -rf /` stays one literal word.

#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers {

// `text` as one sh word: inside single quotes, where nothing is special; each
// ' becomes '\'' (close, escaped quote, reopen). The empty string is ''.
// Words made only of safe characters (letters, digits, -_./:,+@%) are
// returned as they are, so logs stay readable.
std::string shell_quote(std::string_view text);

// The words of `argv`, each quoted, separated by single spaces.
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace virtplan::providers

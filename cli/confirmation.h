#pragma once

// confirmed() asks a person to approve an apply or destroy. Without a
// terminal on standard input (CI, a pipe) nobody can answer, so it refuses
// rather than guess: the caller must say --auto-approve. Only the word `yes`
// approves; anything else (or end of input) declines.

#include <cstdio>
#include <string_view>

namespace virtplan::cli {

enum class AutoApprove { no, yes };

// `question` ends without punctuation: "Apply these changes". Prints why when
// it declines, to `out`.
bool confirmed(std::string_view question, AutoApprove auto_approve, std::FILE* out);

}  // namespace virtplan::cli

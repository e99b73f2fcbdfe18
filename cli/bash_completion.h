#pragma once

// bash_completion() is the bash completion script for virtplan, written from
// the command line's own definitions (the CLI11 app), so a new subcommand or
// option completes without anyone editing the script:
//   - subcommands, and each one's options (after `-`);
//   - files for the options and arguments that name files (-f, --out,
//     --log-file, a PLANFILE);
//   - object addresses from the stack (KIND.NAME@HOST, read with
//     `virtplan completion addresses [-f PATH]`, which never contacts a
//     host) for --target and the ADDRESS arguments, domains only for
//     `domain VERB ADDRESS`, and the verbs for `domain VERB`.
// `virtplan completion bash` prints it; scripts/package installs it as
// /usr/share/bash-completion/completions/virtplan.

#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace virtplan::cli {

// `verbs`: the operations of `virtplan domain`, completed as its first argument.
std::string bash_completion(const CLI::App& app, const std::vector<std::string_view>& verbs);

}  // namespace virtplan::cli

#pragma once

// The virtplan.kvm.stack Ansible module (ansible/): one task is one `virtplan
// apply` (state: present) or `virtplan destroy` (state: absent) without a
// prompt, or only its plan in check mode. Ansible runs a binary module with
// one argument, the path of a JSON file holding the task's parameters
// (cli/ansible_args.h); the module prints one JSON object on stdout and
// nothing else (cli/ansible_result.h). Everything else (progress, libssh's
// chatter) may go to stderr, which Ansible keeps apart.

#include <nlohmann/json.hpp>

#include <string>

namespace virtplan::cli {

// The module's result for the arguments file at `args_path`. Never throws:
// an internal error becomes failed: true with its message.
nlohmann::json run_ansible_module(const std::string& args_path);

}  // namespace virtplan::cli

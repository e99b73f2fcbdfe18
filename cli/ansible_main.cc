// virtplan-ansible: the virtplan.kvm.stack Ansible binary module. A program of
// its own rather than a mode of `virtplan`: Ansible renames the file it copies
// to the target and calls it with a bare path, so recognising the convention
// inside virtplan would mean guessing from argv; and the CLI's parser, prompts
// and progress printing have no place here (stdout must hold one JSON object).

#include "cli/ansible_module.h"
#include "providers/host/command_trace.h"

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    const nlohmann::json usage = {
        {"failed", true},
        {"changed", false},
        {"msg",
         "virtplan-ansible: expects one argument, the path of the arguments file Ansible writes; "
         "use it as the module virtplan.kvm.stack"}};
    std::printf("%s\n", usage.dump().c_str());
    return 1;
  }
  // VIRTPLAN_LOG=debug traces every command sent to a host on stderr
  // (stdout holds the result only).
  if (auto tracing = virtplan::providers::configure_command_trace(std::nullopt); !tracing) {
    const nlohmann::json refused = {{"failed", true}, {"changed", false}, {"msg", tracing.error().message()}};
    std::printf("%s\n", refused.dump().c_str());
    return 1;
  }
  const nlohmann::json result = virtplan::cli::run_ansible_module(argv[1]);
  // Bytes a host sent that are not UTF-8 (in an error message) must not
  // cost the whole result: they are replaced, not thrown on.
  std::printf("%s\n", result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return result.value("failed", false) ? 1 : 0;
}

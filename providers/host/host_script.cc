#include "providers/host/host_script.h"

#include "providers/base/plain_text.h"
#include "providers/host/host_session.h"

#include <fmt/format.h>

namespace virtplan::providers {

std::vector<std::string> host_script_argv(Become become, std::string_view script, std::string_view name,
                                          std::vector<std::string> args) {
  std::vector<std::string> argv;
  if (become == Become::sudo) argv = {"sudo", "-n"};
  argv.insert(argv.end(), {"sh", "-c", std::string(script), std::string(name)});
  argv.insert(argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  return argv;
}

Result<CommandOutput> run_host_script(HostSession& host, std::string_view script, std::string_view name,
                                      std::vector<std::string> args, HostScriptOptions options) {
  Command command{host_script_argv(host.config().become, script, name, std::move(args)),
                  std::move(options.input), options.timeout};
  auto output = host.transport().run(command);
  if (!output) return fail(output.error());
  if (output->exit_status != 0 && !options.any_status && output->exit_status != options.also_allowed) {
    return fail(ErrorCode::other,
                fmt::format("{} on {} failed (exit status {}): {}", name, host.config().name,
                            output->exit_status, std::string(trimmed(output->err))));
  }
  return output;
}

}  // namespace virtplan::providers

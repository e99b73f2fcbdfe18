#include "providers/host/host_script.h"

namespace virtplan::providers {

std::vector<std::string> host_script_argv(Become become, std::string_view script, std::string_view name,
                                          std::vector<std::string> args) {
  std::vector<std::string> argv;
  if (become == Become::sudo) argv = {"sudo", "-n"};
  argv.insert(argv.end(), {"sh", "-c", std::string(script), std::string(name)});
  argv.insert(argv.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  return argv;
}

}  // namespace virtplan::providers

#include "cli/commands.h"

#include "cli/confirmation.h"
#include "cli/stack_options.h"
#include "providers/host/stack_lock_breaker.h"
#include "providers/host/transport_factory.h"
#include "providers/kind/object_address.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace virtplan::cli {
namespace {

struct UnlockOptions {
  std::string target;  // a host of the stack, or an object's address on it
  std::string path;
  bool auto_approve = false;
};

int unlock_failed(const std::string& message) {
  fmt::print(stderr, "{}\n", message);
  return 1;
}

// The host named by `target`: itself, or the host of KIND.NAME@HOST.
providers::Result<std::string> host_of(const std::string& target) {
  if (target.find('@') == std::string::npos) return target;
  auto id = providers::parse_address(target);
  if (!id) return providers::fail(id.error());
  return id->host;
}

std::string hosts_of(const planner::Stack& stack) {
  std::string names;
  for (const auto& [name, config] : stack.hosts) names += (names.empty() ? "" : ", ") + name;
  return names;
}

std::string describe_holder(const providers::LockHolder& holder) {
  return fmt::format("{}, held for {}; host process {}", holder.who, providers::describe_age(holder.age),
                     holder.host_pid ? fmt::format("{}", *holder.host_pid) : "not recorded");
}

int unlock(const UnlockOptions& options) {
  // load the stack, find the host
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  auto host_name = host_of(options.target);
  if (!host_name) return unlock_failed(host_name.error().message());
  auto host = stack->hosts.find(*host_name);
  if (host == stack->hosts.end()) {
    return unlock_failed(fmt::format("{}: not a host of stack '{}' (its hosts: {}); nothing unlocked",
                                     *host_name, stack->name, hosts_of(*stack)));
  }
  // connect, read the lock
  auto transport = providers::make_transport(host->second);
  if (!transport) return unlock_failed(transport.error().message());
  const providers::Become become = host->second.become;
  auto holder = providers::find_lock_holder(**transport, stack->name, become);
  if (!holder) return unlock_failed(holder.error().message());
  if (!*holder) {
    fmt::print("{}: stack '{}' is not locked; nothing to do\n", *host_name, stack->name);
    return 0;
  }
  // show, confirm
  fmt::print("{}: stack '{}' is locked by {}\n", *host_name, stack->name, describe_holder(**holder));
  fmt::print("Breaking it ends that process; the command holding it stops changing {} at once.\n",
             *host_name);
  const auto approve = options.auto_approve ? AutoApprove::yes : AutoApprove::no;
  if (!confirmed("Break this lock", approve, stdout)) return 1;
  // break
  if (auto broken = providers::break_stack_lock(**transport, stack->name, become, **holder); !broken) {
    return unlock_failed(broken.error().message());
  }
  fmt::print("{}: the lock of stack '{}' is broken\n", *host_name, stack->name);
  return 0;
}

}  // namespace

SubcommandRunner setup_unlock(CLI::App& command) {
  auto options = std::make_shared<UnlockOptions>();
  command
      .add_option("host", options->target,
                  "the host whose lock to break: HOST, or an object's KIND.NAME@HOST")
      ->required();
  add_stack_file_option(command, options->path);
  command.add_flag("--auto-approve", options->auto_approve,
                   "break it without asking (required without a terminal)");
  return [options] { return unlock(*options); };
}

}  // namespace virtplan::cli

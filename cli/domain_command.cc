#include "cli/domain_command.h"

#include "cli/lock_wait_option.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "kvm/domain_backup.h"
#include "kvm/domain_operations.h"
#include "kvm/domain_snapshots.h"
#include "providers/ledger.h"
#include "providers/host_session.h"
#include "providers/object_address.h"
#include "providers/transport_factory.h"
#include "providers/virsh_runner.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>

namespace virtplan::cli {
namespace {

struct DomainOptions {
  std::string verb;
  std::string address;
  std::string argument;  // the snapshot name, or the backup file
  std::string path;
  int timeout = 60;
  bool force = false;
  bool force_unowned = false;
  bool json = false;
  std::string disk = "vda";
};

constexpr std::string_view k_verbs =
    "start, shutdown, reboot, destroy, suspend, resume, save, restore, snapshot, snapshot-list, "
    "snapshot-revert, snapshot-delete, backup";

constexpr std::array<std::string_view, 13> k_verb_list = {
    "start",    "shutdown", "reboot",        "destroy",         "suspend",
    "resume",   "save",     "restore",       "snapshot",        "snapshot-list",
    "snapshot-revert", "snapshot-delete", "backup"};

int fail_with(const providers::Error& error) {
  fmt::print(stderr, "{}\n", error.message());
  return 1;
}

bool needs_argument(std::string_view verb) {
  return verb == "snapshot" || verb == "snapshot-revert" || verb == "snapshot-delete" ||
         verb == "backup";
}

int run_verb(const DomainOptions& options, const providers::VirshRunner& virsh,
             const std::string& name, const std::string& where) {
  const kvm::DomainOperations ops(virsh, name);
  const kvm::DomainSnapshots snapshots(virsh, name);
  providers::Result<void> done;
  std::string said;
  const std::string& verb = options.verb;
  if (verb == "start") {
    done = ops.start(), said = "started";
  } else if (verb == "shutdown") {
    auto forced = ops.shutdown(std::chrono::seconds(options.timeout), options.force);
    if (!forced) return fail_with(forced.error());
    said = *forced ? fmt::format("forced off after {} s without a clean shutdown", options.timeout)
                   : "shut down";
  } else if (verb == "reboot") {
    done = ops.reboot(), said = "rebooted";
  } else if (verb == "destroy") {
    done = ops.destroy(), said = "forced off";
  } else if (verb == "suspend") {
    done = ops.suspend(), said = "suspended";
  } else if (verb == "resume") {
    done = ops.resume(), said = "resumed";
  } else if (verb == "save") {
    done = ops.save(), said = "saved to its managed save image and stopped";
  } else if (verb == "restore") {
    done = ops.restore(), said = "restored from its managed save image";
  } else if (verb == "snapshot") {
    done = snapshots.create(options.argument),
    said = fmt::format("snapshot '{}' taken", options.argument);
  } else if (verb == "snapshot-revert") {
    done = snapshots.revert(options.argument),
    said = fmt::format("reverted to snapshot '{}'", options.argument);
  } else if (verb == "snapshot-delete") {
    done = snapshots.remove(options.argument),
    said = fmt::format("snapshot '{}' deleted", options.argument);
  } else if (verb == "backup") {
    done = kvm::DomainBackup(virsh, name)
               .push(options.disk, options.argument, std::chrono::seconds(options.timeout));
    said = fmt::format("disk {} backed up to {}", options.disk, options.argument);
  } else if (verb == "snapshot-list") {
    auto list = snapshots.list();
    if (!list) return fail_with(list.error());
    if (options.json) {
      nlohmann::ordered_json items = nlohmann::ordered_json::array();
      for (const auto& s : *list) {
        items.push_back({{"name", s.name}, {"state", s.state}, {"parent", s.parent},
                         {"current", s.current}});
      }
      fmt::print("{}\n", nlohmann::ordered_json{{"domain", where}, {"snapshots", items}}.dump(2));
    } else {
      for (const auto& s : *list) {
        fmt::print("{}\t{}\t{}{}\n", s.name, s.state, s.parent.empty() ? "-" : s.parent,
                   s.current ? "\tcurrent" : "");
      }
    }
    return 0;
  }
  if (!done) return fail_with(done.error());
  fmt::print("{}: {}\n", where, said);
  return 0;
}

int run_domain(const DomainOptions& options) {
  if (std::ranges::find(k_verb_list, options.verb) == k_verb_list.end()) {
    fmt::print(stderr, "virtplan domain: unknown operation '{}' (known: {})\n", options.verb,
               k_verbs);
    return 2;
  }
  auto id = providers::parse_address(options.address);
  if (!id) return fail_with(id.error());
  if (id->kind != "domain") {
    fmt::print(stderr, "{}: operations are for domains (domain.NAME@HOST); nothing done\n",
               id->address());
    return 2;
  }
  if (needs_argument(options.verb) && options.argument.empty()) {
    fmt::print(stderr, "{}: `{}` needs {}; nothing done\n", id->address(), options.verb,
               options.verb == "backup" ? "the backup file on the host" : "a snapshot name");
    return 2;
  }
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  auto host = stack->hosts.find(id->host);
  if (host == stack->hosts.end()) {
    fmt::print(stderr, "{}: the stack does not declare host '{}'; nothing done\n", id->address(),
               id->host);
    return 1;
  }
  // reach the stack's hosts: one hypervisor under two names is refused
  providers::HostConnections hosts(stack->hosts);
  if (auto one = one_entry_per_hypervisor(hosts); !one) {
    print_refusal(one.error(), stderr);
    return 1;
  }
  auto transport = hosts.take(host->second);
  if (!transport) return fail_with(transport.error().with_context(id->address()));
  // An operation and an apply of the same stack must not act on the domain
  // at once (an apply would undo a shutdown half-way, or fail on it): take
  // the stack's lock as apply does, without waiting. Listing snapshots
  // changes nothing and needs no lock.
  const providers::HostSession::Lock lock{
      .take = options.verb == "snapshot-list" ? providers::HostSession::Lock::Take::no
                                              : providers::HostSession::Lock::Take::yes,
      .holder = fmt::format("virtplan domain {}", options.verb)};
  auto session = providers::HostSession::open(host->second, **transport, stack->name, lock);
  if (!session) {
    fmt::print(stderr, "{}: {}; nothing done\n", id->address(), session.error().message());
    return 1;
  }
  if (!options.force_unowned) {
    auto ledger = providers::Ledger::load((*session)->transport(), stack->name, host->second.become);
    if (!ledger) return fail_with(ledger.error().with_context(id->address()));
    if (!ledger->find("domain", id->name)) {
      fmt::print(stderr,
                 "{}: not owned by stack '{}'; nothing done (operations change only the stack's "
                 "own domains; --force-unowned to act on it anyway, or `virtplan import` it)\n",
                 id->address(), stack->name);
      return 1;
    }
  }
  // Each command in a virsh of its own: an operation's commands are few and slow.
  const providers::VirshRunner& virsh = (*session)->alone();
  return run_verb(options, virsh, id->name, id->address());
}

}  // namespace

SubcommandRunner setup_domain(CLI::App& command) {
  auto options = std::make_shared<DomainOptions>();
  command.add_option("verb", options->verb, std::string("the operation: ") + std::string(k_verbs))
      ->required();
  command.add_option("address", options->address, "the domain: domain.NAME@HOST")->required();
  command.add_option("argument", options->argument,
                     "snapshot name (snapshot, snapshot-revert, snapshot-delete) or backup file "
                     "on the host (backup)");
  command.add_option("-f,--file", options->path,
                     "stack file or directory (default: ./stack.yaml, else ./*.yaml)");
  command.add_option("--timeout", options->timeout,
                     "seconds to wait for a shutdown or a backup (default 60)");
  command.add_flag("--force", options->force, "shutdown: force it off after the timeout");
  command.add_flag("--force-unowned", options->force_unowned,
                   "act on a domain the stack does not own");
  command.add_flag("--json", options->json, "snapshot-list: print JSON");
  command.add_option("--disk", options->disk, "backup: the disk target (default vda)");
  command.footer(lock_footer(" (snapshot-list takes none)"));
  return [options] { return run_domain(*options); };
}

}  // namespace virtplan::cli

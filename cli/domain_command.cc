#include "cli/commands.h"

#include "cli/lock_wait_option.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "kvm/domain_backup.h"
#include "kvm/domain_operations.h"
#include "kvm/domain_snapshots.h"
#include "providers/host/host_session.h"
#include "providers/host/ledger.h"
#include "providers/host/transport_factory.h"
#include "providers/kind/object_address.h"
#include "providers/virsh/runner.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
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

int fail_with(const providers::Error& error) {
  fmt::print(stderr, "{}\n", error.message());
  return 1;
}

// What a verb acts through, and on.
struct VerbContext {
  const DomainOptions& options;
  const providers::VirshRunner& virsh;
  const std::string& name;   // the domain's name on the host
  const std::string& where;  // "domain.NAME@HOST", for messages
};

// A verb's outcome: what "ADDRESS: ..." says it did (empty when the verb
// printed its own output), or why it failed.
using VerbResult = providers::Result<std::string>;

VerbResult said(providers::Result<void> done, std::string what) {
  if (!done) return std::unexpected(done.error());
  return what;
}

VerbResult start(const VerbContext& c) {
  return said(kvm::DomainOperations(c.virsh, c.name).start(), "started");
}

VerbResult shutdown(const VerbContext& c) {
  auto forced = kvm::DomainOperations(c.virsh, c.name)
                    .shutdown(std::chrono::seconds(c.options.timeout), c.options.force);
  if (!forced) return std::unexpected(forced.error());
  return *forced ? fmt::format("forced off after {} s without a clean shutdown", c.options.timeout)
                 : "shut down";
}

VerbResult reboot(const VerbContext& c) {
  return said(kvm::DomainOperations(c.virsh, c.name).reboot(), "rebooted");
}

VerbResult destroy(const VerbContext& c) {
  return said(kvm::DomainOperations(c.virsh, c.name).destroy(), "forced off");
}

VerbResult suspend(const VerbContext& c) {
  return said(kvm::DomainOperations(c.virsh, c.name).suspend(), "suspended");
}

VerbResult resume(const VerbContext& c) {
  return said(kvm::DomainOperations(c.virsh, c.name).resume(), "resumed");
}

VerbResult save(const VerbContext& c) {
  return said(kvm::DomainOperations(c.virsh, c.name).save(), "saved to its managed save image and stopped");
}

VerbResult restore(const VerbContext& c) {
  return said(kvm::DomainOperations(c.virsh, c.name).restore(), "restored from its managed save image");
}

VerbResult snapshot(const VerbContext& c) {
  return said(kvm::DomainSnapshots(c.virsh, c.name).create(c.options.argument),
              fmt::format("snapshot '{}' taken", c.options.argument));
}

VerbResult snapshot_list(const VerbContext& c) {
  auto list = kvm::DomainSnapshots(c.virsh, c.name).list();
  if (!list) return std::unexpected(list.error());
  if (c.options.json) {
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    for (const auto& s : *list) {
      items.push_back({{"name", s.name}, {"state", s.state}, {"parent", s.parent}, {"current", s.current}});
    }
    fmt::print("{}\n", nlohmann::ordered_json{{"domain", c.where}, {"snapshots", items}}.dump(2));
  } else {
    for (const auto& s : *list) {
      fmt::print("{}\t{}\t{}{}\n", s.name, s.state, s.parent.empty() ? "-" : s.parent,
                 s.current ? "\tcurrent" : "");
    }
  }
  return std::string();
}

VerbResult snapshot_revert(const VerbContext& c) {
  return said(kvm::DomainSnapshots(c.virsh, c.name).revert(c.options.argument),
              fmt::format("reverted to snapshot '{}'", c.options.argument));
}

VerbResult snapshot_delete(const VerbContext& c) {
  return said(kvm::DomainSnapshots(c.virsh, c.name).remove(c.options.argument),
              fmt::format("snapshot '{}' deleted", c.options.argument));
}

VerbResult backup(const VerbContext& c) {
  return said(kvm::DomainBackup(c.virsh, c.name)
                  .push(c.options.disk, c.options.argument, std::chrono::seconds(c.options.timeout)),
              fmt::format("disk {} backed up to {}", c.options.disk, c.options.argument));
}

// One operation of `virtplan domain`: its name, the argument it needs (empty:
// none), whether it takes the stack's lock, and what it does. Listing
// snapshots changes nothing and needs no lock.
struct DomainVerb {
  std::string_view name;
  std::string_view argument;  // "a snapshot name", in "`snapshot` needs a snapshot name"
  bool needs_lock;
  VerbResult (*run)(const VerbContext&);
};

constexpr std::string_view k_snapshot_name = "a snapshot name";

constexpr DomainVerb k_verbs[] = {
    {"start", "", true, start},
    {"shutdown", "", true, shutdown},
    {"reboot", "", true, reboot},
    {"destroy", "", true, destroy},
    {"suspend", "", true, suspend},
    {"resume", "", true, resume},
    {"save", "", true, save},
    {"restore", "", true, restore},
    {"snapshot", k_snapshot_name, true, snapshot},
    {"snapshot-list", "", false, snapshot_list},
    {"snapshot-revert", k_snapshot_name, true, snapshot_revert},
    {"snapshot-delete", k_snapshot_name, true, snapshot_delete},
    {"backup", "the backup file on the host", true, backup},
};

const DomainVerb* find_verb(std::string_view name) {
  auto verb = std::ranges::find(k_verbs, name, &DomainVerb::name);
  return verb == std::end(k_verbs) ? nullptr : &*verb;
}

// "start, shutdown, ...": the names of the verbs `keep` keeps (all by default).
std::string verb_names(bool (*keep)(const DomainVerb&) = [](const DomainVerb&) { return true; }) {
  std::string names;
  for (const DomainVerb& verb : k_verbs) {
    if (keep(verb)) names += fmt::format("{}{}", names.empty() ? "" : ", ", verb.name);
  }
  return names;
}

int run_verb(const DomainVerb& verb, const DomainOptions& options, const providers::VirshRunner& virsh,
             const std::string& name, const std::string& where) {
  auto said = verb.run(VerbContext{options, virsh, name, where});
  if (!said) return fail_with(said.error());
  if (!said->empty()) fmt::print("{}: {}\n", where, *said);
  return 0;
}

int run_domain(const DomainOptions& options) {
  const DomainVerb* verb = find_verb(options.verb);
  if (verb == nullptr) {
    fmt::print(stderr, "virtplan domain: unknown operation '{}' (known: {})\n", options.verb, verb_names());
    return 2;
  }
  auto id = providers::parse_address(options.address);
  if (!id) return fail_with(id.error());
  if (id->kind != "domain") {
    fmt::print(stderr, "{}: operations are for domains (domain.NAME@HOST); nothing done\n", id->address());
    return 2;
  }
  if (!verb->argument.empty() && options.argument.empty()) {
    fmt::print(stderr, "{}: `{}` needs {}; nothing done\n", id->address(), verb->name, verb->argument);
    return 2;
  }
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  auto host = stack->hosts.find(id->host);
  if (host == stack->hosts.end()) {
    fmt::print(stderr, "{}: the stack does not declare host '{}'; nothing done\n", id->address(), id->host);
    return 1;
  }
  // reach the stack's hosts (one hypervisor under two names is refused),
  // connect and lock. An operation and an apply of the same stack must not act on the domain
  // at once (an apply would undo a shutdown half-way, or fail on it): take
  // the stack's lock as apply does, without waiting. Listing snapshots
  // changes nothing and needs no lock.
  const providers::HostSession::Lock lock{.take = verb->needs_lock ? providers::HostSession::Lock::Take::yes
                                                                   : providers::HostSession::Lock::Take::no,
                                          .holder = fmt::format("virtplan domain {}", options.verb)};
  auto opened = open_host(*stack, host->second, lock, id->address(), "nothing done");
  if (!opened) return 1;
  providers::HostSession& session = *opened->session;
  if (!options.force_unowned) {
    auto ledger = providers::Ledger::load(session.transport(), stack->name, host->second.become);
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
  const providers::VirshRunner& virsh = session.alone();
  return run_verb(*verb, options, virsh, id->name, id->address());
}

}  // namespace

SubcommandRunner setup_domain(CLI::App& command) {
  auto options = std::make_shared<DomainOptions>();
  command.add_option("verb", options->verb, "the operation: " + verb_names())->required();
  command.add_option("address", options->address, "the domain: domain.NAME@HOST")->required();
  command.add_option("argument", options->argument,
                     fmt::format("snapshot name or backup file on the host ({})",
                                 verb_names([](const DomainVerb& verb) { return !verb.argument.empty(); })));
  add_stack_file_option(command, options->path);
  command.add_option("--timeout", options->timeout,
                     "seconds to wait for a shutdown or a backup (default 60)");
  command.add_flag("--force", options->force, "shutdown: force it off after the timeout");
  command.add_flag("--force-unowned", options->force_unowned, "act on a domain the stack does not own");
  command.add_flag("--json", options->json, "snapshot-list: print JSON");
  command.add_option("--disk", options->disk, "backup: the disk target (default vda)");
  command.footer(lock_footer(
      fmt::format(" ({} takes none)", verb_names([](const DomainVerb& verb) { return !verb.needs_lock; }))));
  return [options] { return run_domain(*options); };
}

std::vector<std::string_view> domain_verbs() {
  std::vector<std::string_view> names;
  for (const DomainVerb& verb : k_verbs) names.push_back(verb.name);
  return names;
}

}  // namespace virtplan::cli

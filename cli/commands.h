#pragma once

// The subcommands of `virtplan`: the row each has in app.cc's table
// (Subcommand), and each one's setup function, which declares its options
// and returns what runs it.

#include <functional>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace virtplan::cli {

// Runs a parsed subcommand; returns the process's exit status.
using SubcommandRunner = std::function<int()>;

// Subcommand is one row of the command table in app.cc: its name, its help
// line, and a setup function that declares its options on the CLI11
// subcommand and returns what runs it once the arguments are parsed.
struct Subcommand {
  std::string_view name;
  std::string_view help;
  SubcommandRunner (*setup)(CLI::App& command);
};

// `virtplan apply [-f PATH] [PLANFILE] [--auto-approve] [--parallelism N]
// [--target ADDR]... [--json] [--lock-wait SECONDS]`: lock the hosts,
// observe, diff (or check a saved plan is not stale), ask, apply, report.
SubcommandRunner setup_apply(CLI::App& command);

// `virtplan destroy [-f PATH] [--auto-approve] [--force] [--target ADDR]...
// [--json] [--lock-wait SECONDS]`: lock the hosts, observe, plan the
// destruction of everything the stack owns (or the targets and what depends
// on them), in reverse dependency order, ask, destroy, report. Objects the
// stack does not own are never in the plan. The plan names what a destroy
// loses (DATA LOSS: a volume's size, a domain's managed save, NVRAM and
// snapshots); a network that domains outside the plan still use is refused,
// naming them. Running domains are shut down gracefully (ACPI, then forced
// after their shutdown_timeout, with a warning), side by side. `--force`
// forces them off at once and destroys such networks anyway, the plan naming
// each domain it cuts off.
SubcommandRunner setup_destroy(CLI::App& command);

// `virtplan domain VERB ADDR [ARG]`: lifecycle operations on one domain of the
// stack, outside desired state. ADDR is domain.NAME@HOST; HOST is reached as
// the stack (-f) declares it. A domain the stack does not own is refused
// unless --force-unowned: operations are for the stack's own machines, and a
// typo must not stop someone else's. Every verb but snapshot-list holds the
// stack's lock on the host (providers/host/stack_lock.h) while it runs, and is
// refused, doing nothing, while an apply holds it.
SubcommandRunner setup_domain(CLI::App& command);

// `virtplan hosts [-f PATH]`: reaches every host of the stack, in parallel,
// and prints one line per host, sorted by name: its libvirt and hypervisor
// versions and whether it runs KVM or only TCG, or exactly why it cannot be
// used (unreachable, host key unknown or changed, authentication, no
// libvirt). Exits 1 when any host failed. The first thing to run against a
// new host, and what the quickstart runs on the lab.
SubcommandRunner setup_hosts(CLI::App& command);

// `virtplan import ADDR... [-f PATH]`: adopts objects that exist on hosts of
// the stack but are owned by no stack (made by hand, or by another tool) into
// the stack's ownership (cli/object_adoption.h), and prints on stdout the
// stack YAML that declares them as they are, under their sections and with
// `host:`, so that once it is in the stack the plan for them is empty. Each
// host is read once for all its addresses (adopting a host's hundred objects
// is one run, not a hundred). An object owned by another stack is refused,
// naming that stack; one the stack owns already only has its YAML printed.
// Exit 0; or 1, each refused address with its reason on stderr, the YAML of
// those adopted still printed.
SubcommandRunner setup_import(CLI::App& command);

// `virtplan metrics [-f PATH] [--format prometheus|influx|json]`: statistics
// of the stack's domains (declared or owned) from `virsh domstats --raw`,
// one command per host read in the first round of the host's observation
// (kvm/domain_stats_reader.h): state, CPU time, vCPUs, balloon, per-NIC and
// per-disk bytes, labelled domain, host and stack. A declared domain that
// is not there has no sample. Exit 0, or 1 when a host could not be read
// (named on stderr, and in the JSON's "unreachable").
SubcommandRunner setup_metrics(CLI::App& command);

// `virtplan plan [-f PATH] [--target ADDR]... [--out FILE] [--json]
// [--detailed-exitcode]`: load the stack, observe every host, diff, print the
// plan. Exit 0; 1 on any error (a host that could not be read, an object in
// the way that the stack does not own); with --detailed-exitcode, 2 when the
// plan has changes (and still 1 when a host could not be read).
SubcommandRunner setup_plan(CLI::App& command);

// `virtplan man`: prints virtplan(1) in roff, written from the same CLI11
// definitions as --help (cli/man_page.h). Exit 0.
SubcommandRunner setup_man(CLI::App& command);

// `virtplan completion bash`: prints the bash completion script
// (cli/bash_completion.h); `virtplan completion addresses [-f PATH]` prints
// the stack's object addresses, one a line, for it, without contacting a
// host. Exit 0, or 1 when the stack does not load.
SubcommandRunner setup_completion(CLI::App& command);

// The operations of `virtplan domain VERB`, in the order its help lists them.
std::vector<std::string_view> domain_verbs();

// `virtplan schema`: prints the JSON Schema (draft 2020-12) of the stack
// format (cli/stack_schema.h), the text schema/virtplan-stack.schema.json
// holds. Exit 0.
SubcommandRunner setup_schema(CLI::App& command);

// `virtplan version`: prints cli/version.h's version_text(), what --version
// prints too. Exit 0.
SubcommandRunner setup_version(CLI::App& command);

// `virtplan show PLANFILE [--json]`: renders a plan saved by `plan --out`,
// as text or as JSON (secrets masked either way), without contacting any
// host. Exit 0, or 1 when the file cannot be read or is not a plan.
// `virtplan show [-f PATH] [--json]` without PLANFILE shows the stack's live
// state instead: every object it owns, with its observed spec
// (cli/live_state_view.h).
SubcommandRunner setup_show(CLI::App& command);

// `virtplan status [-f PATH] [--json]`: a live table of every object the
// stack declares or owns: its kind, host, state (running, stopped, paused
// for domains; active, inactive for networks and pools; present for
// volumes; missing when it is not there; unknown when its host could not be
// read), whether the stack owns it, and a running domain's IP addresses from
// its DHCP leases. Read in the same batch rounds as a plan's observation
// (cli/live_state_reader.h). Sorted by address. Exit 0, or 1 when a host
// could not be read (each listed with the reason).
SubcommandRunner setup_status(CLI::App& command);

// `virtplan unlock HOST|ADDR [-f PATH] [--auto-approve]`: break the stack's
// lock on one host, like `terraform force-unlock`. Shows who holds it (the
// command, its pid and machine, when it took the lock, how long ago, and the
// host process holding it), asks, and ends that host process. Without a
// terminal it refuses unless --auto-approve, as apply does. A lock that is
// free says so and changes nothing (docs/locking.md).
SubcommandRunner setup_unlock(CLI::App& command);

// `virtplan gc [-f PATH] [--dry-run] [--keep DIGEST]... [--auto-approve]`:
// on each host of the stack, lists the images in its image cache and what
// becomes of each (storage/image_gc.h says which one stack may remove: only
// those it fetched, that no volume of it, no ledger on the host and no
// process uses, and no fetch holds), asks, then removes them, each decided
// again under its lock. Per stack: an image another stack also fetched
// loses only this stack's claim. Exits 1 when a host failed.
SubcommandRunner setup_gc(CLI::App& command);

// `virtplan validate [-f PATH]`: loads and checks the stack without contacting
// any host. Prints every problem, one "PATH:LINE:COLUMN: message" a line,
// sorted, and exits 1; or prints "stack demo: 3 hosts, 12 objects, valid" and
// exits 0.
SubcommandRunner setup_validate(CLI::App& command);

}  // namespace virtplan::cli

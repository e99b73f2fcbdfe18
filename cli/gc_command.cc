#include "cli/commands.h"

#include "cli/confirmation.h"
#include "cli/lock_wait_option.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "providers/base/human_size.h"
#include "providers/host/ledger.h"
#include "storage/image_gc.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

using storage::CachedImageVerdict;
using Action = CachedImageVerdict::Action;

struct GcOptions {
  std::string path;
  std::vector<std::string> keep;  // digests (sha256:HEX or sha256-HEX) to keep whatever
  bool dry_run = false;
  bool auto_approve = false;
  int lock_wait = 0;
};

// "sha256:HEX" (as the plan prints a digest) or "sha256-HEX" (the cache's name).
std::string cache_name(std::string digest) {
  if (const auto colon = digest.find(':'); colon != std::string::npos) digest[colon] = '-';
  return digest;
}

// The cache names the stack's volumes on `host` name, and --keep.
std::vector<std::string> kept_names(const planner::Stack& stack, const std::string& host,
                                    const std::vector<std::string>& keep) {
  std::vector<std::string> names;
  for (const std::string& digest : keep) names.push_back(cache_name(digest));
  for (const auto& object : stack.objects) {
    if (object.id.kind != "volume" || object.id.host != host) continue;
    for (std::string& name : storage::image_names(object.spec)) names.push_back(std::move(name));
  }
  return names;
}

std::string short_name(const std::string& name) {
  const auto dash = name.find('-');
  return name.size() > dash + 13 ? name.substr(0, dash + 13) + "…" : name;
}

std::string line_of(const CachedImageVerdict& image) {
  const std::string size = providers::human_size(image.size);
  switch (image.action) {
    case Action::remove:
      return fmt::format("  - {}  {}", short_name(image.name), size);
    case Action::removed:
      return fmt::format("  - {}  {}  removed", short_name(image.name), size);
    case Action::release:
      return fmt::format("  ~ {}  {}  this stack's claim dropped; {}", short_name(image.name), size,
                         image.why);
    case Action::released:
      return fmt::format("  ~ {}  {}  this stack's claim dropped; {}", short_name(image.name), size,
                         image.why);
    case Action::keep:
      break;
  }
  return fmt::format("    {}  {}  kept: {}", short_name(image.name), size, image.why);
}

struct HostImages {
  std::string host;
  std::string cache;
  providers::Result<std::vector<CachedImageVerdict>> images;
};

// The stack's hosts, each opened as every command opens one: under the
// stack's lock unless gc only lists (an apply of the stack must not fetch or
// clone an image while gc decides about it). A host that could not be opened
// is said on stderr and left out.
struct OpenHosts {
  std::map<std::string, OpenedHost> opened;
  bool failed = false;
};

OpenHosts open_hosts(const planner::Stack& stack, const GcOptions& options) {
  using Take = providers::HostSession::Lock::Take;
  const providers::HostSession::Lock lock{.take = options.dry_run ? Take::no : Take::yes,
                                          .wait = std::chrono::seconds(options.lock_wait),
                                          .holder = "virtplan gc"};
  OpenHosts out;
  for (const auto& [name, config] : stack.hosts) {
    auto host = open_host(stack, config, lock, name, "nothing collected there");
    if (host) {
      out.opened.emplace(name, std::move(*host));
    } else {
      out.failed = true;
    }
  }
  return out;
}

// Each opened host's cache, listed or collected.
std::vector<HostImages> run_on_hosts(const planner::Stack& stack, OpenHosts& hosts, const GcOptions& options,
                                     storage::GcMode mode) {
  std::vector<HostImages> out;
  for (auto& [name, host] : hosts.opened) {
    const providers::HostConfig& config = stack.hosts.at(name);
    storage::FetchSite site{host.session->transport(), config.become, config.image_cache, stack.name};
    out.push_back(HostImages{name, config.image_cache,
                             storage::collect_images(site, providers::Ledger::k_default_dir,
                                                     kept_names(stack, name, options.keep), mode)});
  }
  return out;
}

// Prints every host's images; how many would go (or went), and whether a host failed.
struct Tally {
  int removable = 0;
  std::uint64_t bytes = 0;
  bool failed = false;
};

Tally print(const std::vector<HostImages>& hosts) {
  Tally tally;
  for (const HostImages& host : hosts) {
    if (!host.images) {
      fmt::print(stderr, "{}: {}\n", host.host, host.images.error().message());
      tally.failed = true;
      continue;
    }
    fmt::print("{} ({}):\n", host.host, host.cache);
    if (host.images->empty()) fmt::print("    no cached image\n");
    for (const CachedImageVerdict& image : *host.images) {
      fmt::print("{}\n", line_of(image));
      if (image.action == Action::remove || image.action == Action::removed) {
        ++tally.removable;
        tally.bytes += image.size;
      } else if (image.action == Action::release || image.action == Action::released) {
        ++tally.removable;
      }
    }
  }
  return tally;
}

int gc(const GcOptions& options) {
  // load, list
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  // open (and lock), list
  OpenHosts hosts = open_hosts(*stack, options);
  Tally listed = print(run_on_hosts(*stack, hosts, options, storage::GcMode::list));
  listed.failed = listed.failed || hosts.failed;
  if (listed.removable == 0) {
    fmt::print("Nothing to collect.\n");
    return listed.failed ? 1 : 0;
  }
  fmt::print("Gc: {} image(s) of stack '{}' to remove or release, {}.\n", listed.removable, stack->name,
             providers::human_size(listed.bytes));
  if (options.dry_run) return listed.failed ? 1 : 0;
  // confirm, collect: each image decided again on the host, under its lock
  const auto approve = options.auto_approve ? AutoApprove::yes : AutoApprove::no;
  if (!confirmed("Remove them", approve, stdout)) return 1;
  const Tally done = print(run_on_hosts(*stack, hosts, options, storage::GcMode::remove));
  fmt::print("Gc complete: {} removed or released, {} freed.\n", done.removable,
             providers::human_size(done.bytes));
  return listed.failed || done.failed ? 1 : 0;
}

}  // namespace

SubcommandRunner setup_gc(CLI::App& command) {
  auto options = std::make_shared<GcOptions>();
  add_stack_file_option(command, options->path);
  command.add_flag("--dry-run", options->dry_run, "list what would be removed, and why the rest is kept");
  command.add_option("--keep", options->keep,
                     "an image to keep whatever (sha256:HEX or sha512:HEX; repeatable)");
  command.add_flag("--auto-approve", options->auto_approve,
                   "remove without asking (required without a terminal)");
  add_lock_wait_option(command, options->lock_wait);
  return [options] { return gc(*options); };
}

}  // namespace virtplan::cli

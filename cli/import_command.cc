#include "cli/commands.h"

#include "cli/imported_yaml_check.h"
#include "cli/kinds.h"
#include "cli/lock_wait_option.h"
#include "cli/object_adoption.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "planner/observer.h"
#include "planner/stack_files.h"
#include "providers/base/stack_yaml.h"
#include "providers/base/yaml_map.h"
#include "providers/host/host_session.h"
#include "providers/host/transport_factory.h"
#include "providers/kind/object_address.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

using providers::ObjectId;
using providers::Result;

struct ImportOptions {
  std::vector<std::string> addresses;
  std::string path;
};

// The objects of one host as it holds them now: read once for every address
// of that host, since reading a host is most of an import's time.
Result<planner::HostObservation> observe_objects(const planner::Stack& stack, providers::HostSession& session,
                                                 const std::string& address) {
  auto observed = planner::observe_host(session, stack.name, kind_readers(), stack.objects);
  if (!observed) return providers::fail(observed.error().with_context(address));
  return std::move(*observed);
}

// The object `id` names among those read; one its kind cannot represent is
// refused with the kind's reason.
Result<planner::ObservedObject> find_object(const planner::HostObservation& host, const ObjectId& id) {
  const std::vector<planner::ObservedObject>& observed = host.objects;
  // `volume.NAME@HOST` names the volume of that name in whichever pool
  // holds one; two pools holding one need `volume.POOL/NAME@HOST`.
  std::vector<ObjectId> ids;
  for (const planner::ObservedObject& object : observed) ids.push_back(object.id);
  for (const planner::UnrepresentableObject& object : host.unrepresentable) ids.push_back(object.id);
  auto which = providers::resolve_address(id, ids);
  if (!which && which.error().code() == providers::ErrorCode::not_found) {
    return providers::fail(providers::ErrorCode::not_found,
                           fmt::format("{}: no {} named '{}' on {}; nothing imported", id.qualified_address(),
                                       id.kind, id.name, id.host));
  }
  if (!which)
    return providers::fail(providers::ErrorCode::invalid, which.error().message() + "; nothing imported");
  for (const planner::UnrepresentableObject& object : host.unrepresentable) {
    if (object.id != *which) continue;
    return providers::fail(providers::ErrorCode::invalid,
                           fmt::format("{}: {}, so a stack cannot declare it; not imported (left alone)",
                                       id.address(), object.why));
  }
  return *std::find_if(observed.begin(), observed.end(),
                       [&](const planner::ObservedObject& object) { return object.id == *which; });
}

// `NAME: {host: HOST, ...}`, host first as a person writes it.
Result<nlohmann::ordered_json> declaration_of(const providers::ResourceKind& kind,
                                              const planner::ObservedObject& object) {
  auto keys = kind.to_stack(object.spec);
  if (!keys) return providers::fail(keys.error().with_context(object.id.address()));
  nlohmann::ordered_json declaration = {{"host", object.id.host}};
  for (const auto& item : keys->items()) declaration[item.key()] = item.value();
  return declaration;
}

// One address of the command line, checked before any host is contacted.
struct ImportTarget {
  ObjectId id;
  const providers::ResourceKind* kind = nullptr;
};

Result<ImportTarget> import_target(const planner::Stack& stack, const std::string& address) {
  auto id = providers::parse_address(address);
  if (!id) return providers::fail(id.error());
  const providers::ResourceKind* kind = kinds().by_kind(id->kind);
  if (!kind) {
    return providers::fail(
        providers::ErrorCode::invalid,
        fmt::format("{}: unknown kind '{}' (known: domain, network, pool, volume)", id->address(), id->kind));
  }
  if (!stack.hosts.contains(id->host)) {
    return providers::fail(
        providers::ErrorCode::invalid,
        fmt::format("{}: the stack does not declare host '{}'; add it under `hosts:` first; nothing imported",
                    id->address(), id->host));
  }
  return ImportTarget{*id, kind};
}

// One object read from its host, with the YAML that declares it, before it
// is adopted.
struct ImportCandidate {
  const ImportTarget* target = nullptr;
  planner::ObservedObject object;
  ImportedDeclaration declared;
};

// The declaration of one object read from its host: the YAML is made first,
// and checked (refused_declarations) before anything is adopted.
Result<ImportCandidate> import_candidate(const planner::Stack& stack,
                                         const planner::HostObservation& observed,
                                         const ImportTarget& target) {
  auto object = find_object(observed, target.id);
  if (!object) return providers::fail(object.error());
  if (object->ownership == planner::Ownership::foreign) {
    return providers::fail(providers::ErrorCode::invalid,
                           fmt::format("{}: owned by stack '{}', not by '{}'; not imported",
                                       target.id.address(), object->owner, stack.name));
  }
  // A name libvirt accepts that a stack cannot hold ('c-<sparse>.img'): the
  // printed YAML would not load, so the object is not adopted.
  if (auto problem = providers::name_problem(object->id.name)) {
    return providers::fail(
        providers::ErrorCode::invalid,
        fmt::format("{}: {}, so a stack cannot declare it; not imported", target.id.address(), *problem));
  }
  auto declaration = declaration_of(*target.kind, *object);
  if (!declaration) return providers::fail(declaration.error().with_context("not imported"));
  ImportedDeclaration declared{target.id.address(), std::string(target.kind->section()), object->id.name,
                               std::move(*declaration)};
  return ImportCandidate{&target, std::move(*object), std::move(declared)};
}

// Adopts a candidate whose YAML validates and adds its declaration to
// `document` (SECTION: {NAME: ...}).
Result<void> adopt_candidate(const planner::Stack& stack, const providers::HostConfig& host,
                             providers::Transport& transport, ImportCandidate& candidate,
                             nlohmann::ordered_json& document) {
  const std::string address = candidate.target->id.address();
  if (candidate.object.ownership == planner::Ownership::ours) {
    fmt::print(stderr, "{}: already owned by stack '{}'; its YAML:\n", address, stack.name);
  } else {
    auto recorded = adopt_object(stack.name, host, transport, candidate.object.id);
    if (!recorded) return providers::fail(recorded.error());
    fmt::print(stderr, "{}: now owned by stack '{}' ({}); add this to the stack:\n", address, stack.name,
               *recorded);
  }
  document[candidate.declared.section][candidate.declared.name] = std::move(candidate.declared.declaration);
  return {};
}

// The candidates whose YAML validates beside the stack's files; each other
// one is refused, printing why. Whether none was refused.
bool keep_valid(const std::vector<planner::SourceFile>& stack_files,
                std::vector<ImportCandidate>& candidates) {
  std::vector<ImportedDeclaration> declarations;
  for (const ImportCandidate& candidate : candidates) declarations.push_back(candidate.declared);
  const auto refused = refused_declarations(stack_files, declarations);
  for (const auto& [index, why] : refused) {
    fmt::print(stderr, "{}: the YAML import would print does not validate: {}; not imported\n",
               declarations[index].address, why);
  }
  std::vector<ImportCandidate> kept;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!refused.contains(i)) kept.push_back(std::move(candidates[i]));
  }
  candidates = std::move(kept);
  return refused.empty();
}

// Imports the targets on one host under one session and lock, reading the
// host once. Whether every one was imported.
bool import_on_host(const planner::Stack& stack, const std::vector<planner::SourceFile>& stack_files,
                    const providers::HostConfig& host, providers::HostConnections& hosts,
                    const std::vector<ImportTarget>& targets, nlohmann::ordered_json& document) {
  const std::string first = targets.front().id.address();
  // connect and lock: an apply of the stack writes the same ledger
  auto transport = hosts.take(host);
  if (!transport) {
    fmt::print(stderr, "{}\n", transport.error().with_context(first).message());
    return false;
  }
  auto session = providers::HostSession::open(host, **transport, stack.name,
                                              providers::HostSession::Lock{.holder = "virtplan import"});
  if (!session) {
    fmt::print(stderr, "{}: {}; nothing imported\n", first, session.error().message());
    return false;
  }
  // Nothing is sent once the lock is lost (architecture.md, decision 10).
  providers::Transport& guarded = (*session)->transport();
  auto observed = observe_objects(stack, **session, first);
  if (!observed) {
    fmt::print(stderr, "{}\n", observed.error().message());
    return false;
  }
  bool all = true;
  std::vector<ImportCandidate> candidates;
  for (const ImportTarget& target : targets) {
    auto candidate = import_candidate(stack, *observed, target);
    if (!candidate) {
      fmt::print(stderr, "{}\n", candidate.error().message());
      all = false;
      continue;
    }
    candidates.push_back(std::move(*candidate));
  }
  all = keep_valid(stack_files, candidates) && all;
  for (ImportCandidate& candidate : candidates) {
    if (auto adopted = adopt_candidate(stack, host, guarded, candidate, document); !adopted) {
      fmt::print(stderr, "{}\n", adopted.error().message());
      all = false;
    }
  }
  return all;
}

int import_objects(const ImportOptions& options) {
  // load the stack, check every address before contacting a host
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  // its files again: what import prints is checked beside them
  auto stack_files =
      planner::read_stack_files(options.path.empty() ? planner::default_stack_path() : options.path);
  if (!stack_files) {
    fmt::print(stderr, "{}\n", stack_files.error().message());
    return 1;
  }
  bool all = true;
  std::map<std::string, std::vector<ImportTarget>> by_host;
  for (const std::string& address : options.addresses) {
    auto target = import_target(*stack, address);
    if (!target) {
      fmt::print(stderr, "{}\n", target.error().message());
      all = false;
      continue;
    }
    by_host[target->id.host].push_back(*target);
  }
  // reach the stack's hosts: one hypervisor under two names is refused
  providers::HostConnections hosts(stack->hosts);
  if (auto one = one_entry_per_hypervisor(hosts); !one) {
    print_refusal(one.error(), stderr);
    return 1;
  }
  nlohmann::ordered_json document = nlohmann::ordered_json::object();
  for (const auto& [name, targets] : by_host) {
    all = import_on_host(*stack, *stack_files, stack->hosts.at(name), hosts, targets, document) && all;
  }
  // render what was adopted, even when another address was refused
  if (!document.empty()) fmt::print("{}", providers::stack_yaml(document));
  return all ? 0 : 1;
}

}  // namespace

SubcommandRunner setup_import(CLI::App& command) {
  auto options = std::make_shared<ImportOptions>();
  command.add_option("address", options->addresses, "the objects to adopt: KIND.NAME@HOST...")->required();
  add_stack_file_option(command, options->path);
  command.footer(lock_footer(""));
  return [options] { return import_objects(*options); };
}

}  // namespace virtplan::cli

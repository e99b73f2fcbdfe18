#include "cli/commands.h"

#include "cli/kinds.h"
#include "cli/lock_wait_option.h"
#include "cli/object_adoption.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "planner/observer.h"
#include "providers/base/stack_yaml.h"
#include "providers/host/host_session.h"
#include "providers/host/transport_factory.h"
#include "providers/kind/object_address.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>
#include <string>

namespace virtplan::cli {
namespace {

using providers::ObjectId;
using providers::Result;

struct ImportOptions {
  std::string address;
  std::string path;
};

// The object as its host holds it now.
Result<planner::ObservedObject> observe_object(const planner::Stack& stack, providers::HostSession& session,
                                               const ObjectId& id) {
  auto observing = planner::observe_host(session, stack.name, kind_readers(), stack.objects);
  if (!observing) return providers::fail(observing.error().with_context(id.address()));
  const std::vector<planner::ObservedObject>& observed = observing->objects;
  // `volume.NAME@HOST` names the volume of that name in whichever pool
  // holds one; two pools holding one need `volume.POOL/NAME@HOST`.
  std::vector<ObjectId> ids;
  for (const planner::ObservedObject& object : observed) ids.push_back(object.id);
  auto which = providers::resolve_address(id, ids);
  if (!which && which.error().code() == providers::ErrorCode::not_found) {
    return providers::fail(providers::ErrorCode::not_found,
                           fmt::format("{}: no {} named '{}' on {}; nothing imported", id.qualified_address(),
                                       id.kind, id.name, id.host));
  }
  if (!which)
    return providers::fail(providers::ErrorCode::invalid, which.error().message() + "; nothing imported");
  auto found = std::find_if(observed.begin(), observed.end(),
                            [&](const planner::ObservedObject& object) { return object.id == *which; });
  return *found;
}

// `SECTION: {NAME: {host: HOST, ...}}`, host first as a person writes it.
Result<std::string> stack_yaml_of(const providers::ResourceKind& kind,
                                  const planner::ObservedObject& object) {
  auto keys = kind.to_stack(object.spec);
  if (!keys) return providers::fail(keys.error().with_context(object.id.address()));
  nlohmann::ordered_json declaration = {{"host", object.id.host}};
  for (const auto& item : keys->items()) declaration[item.key()] = item.value();
  nlohmann::ordered_json section = {{object.id.name, declaration}};
  return providers::stack_yaml(nlohmann::ordered_json{{std::string(kind.section()), section}});
}

int import_failed(const providers::Error& error) {
  fmt::print(stderr, "{}\n", error.message());
  return 1;
}

int import_object(const ImportOptions& options) {
  // parse the address, load the stack
  auto id = providers::parse_address(options.address);
  if (!id) return import_failed(id.error());
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  const providers::ResourceKind* kind = kinds().by_kind(id->kind);
  if (!kind) {
    fmt::print(stderr, "{}: unknown kind '{}' (known: domain, network, pool, volume)\n", id->address(),
               id->kind);
    return 1;
  }
  auto host = stack->hosts.find(id->host);
  if (host == stack->hosts.end()) {
    fmt::print(stderr,
               "{}: the stack does not declare host '{}'; add it under `hosts:` first; nothing imported\n",
               id->address(), id->host);
    return 1;
  }
  // reach the stack's hosts (one hypervisor under two names is refused),
  // connect and lock: an apply of the stack writes the same ledger
  auto opened =
      open_host(*stack, host->second, {.holder = "virtplan import"}, id->address(), "nothing imported");
  if (!opened) return 1;
  providers::HostSession& session = *opened->session;
  // Nothing is sent once the lock is lost (architecture.md, decision 10).
  providers::Transport& guarded = session.transport();
  // observe the object
  auto object = observe_object(*stack, session, *id);
  if (!object) return import_failed(object.error());
  // check and take ownership
  if (object->ownership == planner::Ownership::foreign) {
    fmt::print(stderr, "{}: owned by stack '{}', not by '{}'; not imported\n", id->address(), object->owner,
               stack->name);
    return 1;
  }
  // The YAML is made first: an object the stack could not declare is not adopted.
  auto yaml = stack_yaml_of(*kind, *object);
  if (!yaml) return import_failed(yaml.error().with_context("not imported"));
  if (object->ownership == planner::Ownership::ours) {
    fmt::print(stderr, "{}: already owned by stack '{}'; its YAML:\n", id->address(), stack->name);
  } else {
    auto recorded = adopt_object(stack->name, host->second, guarded, object->id);
    if (!recorded) return import_failed(recorded.error());
    fmt::print(stderr, "{}: now owned by stack '{}' ({}); add this to the stack:\n", id->address(),
               stack->name, *recorded);
  }
  // render
  fmt::print("{}", *yaml);
  return 0;
}

}  // namespace

SubcommandRunner setup_import(CLI::App& command) {
  auto options = std::make_shared<ImportOptions>();
  command.add_option("address", options->address, "the object to adopt: KIND.NAME@HOST")->required();
  add_stack_file_option(command, options->path);
  command.footer(lock_footer(""));
  return [options] { return import_object(*options); };
}

}  // namespace virtplan::cli

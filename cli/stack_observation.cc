#include "cli/stack_observation.h"

#include "cli/kinds.h"
#include "planner/observer.h"
#include "providers/host/host_permission.h"
#include "providers/host/host_session.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>

namespace virtplan::cli {

const providers::Spec* StackObservation::fact(const std::string& kind, const std::string& host,
                                              const std::string& name) const {
  auto by_kind = facts.find(kind);
  if (by_kind == facts.end()) return nullptr;
  auto found = by_kind->second.find({host, name});
  return found == by_kind->second.end() ? nullptr : &found->second;
}

providers::Result<void> one_entry_per_hypervisor(const providers::HostConnections& hosts) {
  const std::vector<std::string> repeated = hosts.same_hypervisor();
  if (repeated.empty()) return {};
  return providers::fail(providers::ErrorCode::invalid, fmt::format("{}", fmt::join(repeated, "\n")));
}

void print_refusal(const providers::Error& why, std::FILE* out) {
  std::istringstream lines(why.message());
  for (std::string line; std::getline(lines, line);) fmt::print(out, "error: {}\n", line);
  fmt::print(out, "nothing was planned or changed\n");
}

namespace {

// A host opened to be read: its session, without the stack's lock (reading
// changes nothing), over the connection HostConnections made. The session
// goes before the transport it runs over.
struct ReadSession {
  std::unique_ptr<providers::Transport> transport;
  std::unique_ptr<providers::HostSession> session;
};

}  // namespace

providers::Result<StackObservation> observe_stack(const planner::Stack& stack,
                                                  const std::vector<const providers::KindReader*>& extra) {
  providers::HostConnections hosts(stack.hosts);
  std::vector<const providers::KindReader*> readers = kind_readers();
  readers.insert(readers.end(), extra.begin(), extra.end());
  // One slot a host, made before the hosts are opened side by side.
  std::map<std::string, ReadSession> opened;
  for (const auto& [name, host] : stack.hosts) opened[name];
  const planner::HostOpener open =
      [&](const providers::HostConfig& host) -> providers::Result<planner::OpenHost> {
    ReadSession& slot = opened.at(host.name);
    auto transport = hosts.take(host);
    if (!transport) return std::unexpected(transport.error());
    slot.transport = std::move(*transport);
    auto session = providers::HostSession::open(host, *slot.transport, stack.name,
                                                {.take = providers::HostSession::Lock::Take::no});
    if (!session) return std::unexpected(session.error());
    slot.session = std::move(*session);
    return planner::OpenHost{slot.session.get(), std::nullopt};
  };
  // Reading changes nothing: it goes on while the hosts' identities are read.
  planner::ObservedState all = planner::observe(stack.name, stack.hosts, open, readers, stack.objects);
  if (auto one = one_entry_per_hypervisor(hosts); !one) return std::unexpected(one.error());

  std::set<std::string> extra_kinds;
  for (const auto* reader : extra) extra_kinds.insert(std::string(reader->kind()));
  StackObservation out;
  out.state.unread = std::move(all.unread);
  // A host that refused this user libvirt or sudo says what to add.
  for (auto& [name, why] : out.state.unread) {
    if (auto host = stack.hosts.find(name); host != stack.hosts.end()) {
      why = providers::with_permission_hint(host->second, std::move(why));
    }
  }
  // what no kind can represent is listed (plan warns of it); an extra
  // reader's facts are not objects
  std::copy_if(all.unrepresentable.begin(), all.unrepresentable.end(),
               std::back_inserter(out.state.unrepresentable),
               [&](const planner::UnrepresentableObject& o) { return !extra_kinds.contains(o.id.kind); });
  for (auto& object : all.objects) {
    if (extra_kinds.contains(object.id.kind)) {
      out.facts[object.id.kind][{object.id.host, object.id.name}] = std::move(object.spec);
    } else {
      out.state.objects.push_back(std::move(object));
    }
  }
  return out;
}

std::optional<OpenedHost> open_host(const planner::Stack& stack, const providers::HostConfig& host,
                                    const providers::HostSession::Lock& lock, const std::string& address,
                                    std::string_view nothing) {
  OpenedHost opened{std::make_unique<providers::HostConnections>(stack.hosts), nullptr, nullptr};
  if (auto one = one_entry_per_hypervisor(*opened.hosts); !one) {
    print_refusal(one.error(), stderr);
    return std::nullopt;
  }
  auto transport = opened.hosts->take(host);
  if (!transport) {
    fmt::print(stderr, "{}\n", transport.error().with_context(address).message());
    return std::nullopt;
  }
  opened.transport = std::move(*transport);
  auto session = providers::HostSession::open(host, *opened.transport, stack.name, lock);
  if (!session) {
    fmt::print(stderr, "{}: {}; {}\n", address, session.error().message(), nothing);
    return std::nullopt;
  }
  opened.session = std::move(*session);
  return opened;
}

std::vector<providers::ObjectId> declared_or_owned(const planner::Stack& stack,
                                                   const planner::ObservedState& observed) {
  std::set<providers::ObjectId> ids;
  for (const auto& object : stack.objects) ids.insert(object.id);
  for (const auto& object : observed.objects) {
    if (object.ownership == planner::Ownership::ours) ids.insert(object.id);
  }
  return {ids.begin(), ids.end()};
}

}  // namespace virtplan::cli

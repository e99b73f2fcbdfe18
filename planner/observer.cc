#include "planner/observer.h"

#include "planner/ledger_ownership.h"
#include "providers/host/host_inventory.h"

#include <algorithm>
#include <future>

namespace virtplan::planner {

using providers::Result;

namespace {

// What the stack declares on `host`.
std::vector<providers::StackObject> declared_on(const providers::HostConfig& host,
                                                const std::vector<providers::StackObject>& declared) {
  std::vector<providers::StackObject> here;
  std::copy_if(declared.begin(), declared.end(), std::back_inserter(here),
               [&host](const providers::StackObject& object) { return object.id.host == host.name; });
  return here;
}

// One host's objects, and the stack's intents there that led to none.
struct HostObservation {
  std::vector<ObservedObject> objects;
  std::vector<providers::ObjectId> vanished_entries;
};

Result<HostObservation> observed_objects(const std::string& stack, const providers::HostConfig& host,
                                         providers::HostInventory& inventory,
                                         const std::vector<providers::StackObject>& here) {
  const LedgerOwnership ledger(stack, inventory, here);
  if (auto trusted = ledger.check_entries(); !trusted) return std::unexpected(trusted.error());
  HostObservation observed;
  for (auto& [kind, objects, ledger_keys, marks_owner] : inventory.kinds) {
    for (auto& object : objects) {
      providers::ObjectId id{kind, object.name, host.name, object.pool};
      const Ownership ownership = ledger.of(id, object, marks_owner);
      // What the host cannot show (a volume's source hash) is kept in the
      // ledger: with it, the observed spec compares like any other field.
      providers::Spec spec = ownership == Ownership::ours
                                 ? ledger.merged(id, std::move(object.spec), ledger_keys)
                                 : std::move(object.spec);
      observed.objects.push_back(
          ObservedObject{std::move(id), std::move(spec), ownership, object.owner.value_or("")});
    }
  }
  observed.vanished_entries = ledger.vanished_entries(host.name, observed.objects);
  return observed;
}

}  // namespace

Result<std::vector<ObservedObject>> observe_host(const std::string& stack, const providers::HostConfig& host,
                                                 providers::Transport& transport,
                                                 const std::vector<const providers::KindReader*>& readers,
                                                 const std::vector<providers::StackObject>& declared) {
  const auto here = declared_on(host, declared);
  auto inventory = providers::read_host_inventory(stack, host, transport, readers, here);
  if (!inventory) return std::unexpected(inventory.error());
  auto observed = observed_objects(stack, host, *inventory, here);
  if (!observed) return std::unexpected(observed.error());
  return std::move(observed->objects);
}

ObservedState observe(const std::string& stack, const std::map<std::string, providers::HostConfig>& hosts,
                      const std::vector<const providers::KindReader*>& readers,
                      const TransportFactory& connect, const std::vector<providers::StackObject>& declared) {
  return observe(
      stack, hosts,
      [&](const providers::HostConfig& host,
          const std::vector<providers::StackObject>& here) -> Result<providers::HostInventory> {
        auto transport = connect(host);
        if (!transport) return std::unexpected(transport.error());
        return providers::read_host_inventory(stack, host, **transport, readers, here);
      },
      declared);
}

ObservedState observe(const std::string& stack, const std::map<std::string, providers::HostConfig>& hosts,
                      const InventoryReader& read, const std::vector<providers::StackObject>& declared) {
  std::vector<std::pair<std::string, std::future<Result<HostObservation>>>> work;
  for (const auto& entry : hosts) {
    const providers::HostConfig* host = &entry.second;
    work.emplace_back(entry.first, std::async(std::launch::async, [&stack, &read, &declared, host] {
                        const auto here = declared_on(*host, declared);
                        auto inventory = read(*host, here);
                        if (!inventory) return Result<HostObservation>(std::unexpected(inventory.error()));
                        return observed_objects(stack, *host, *inventory, here);
                      }));
  }
  ObservedState state;
  for (auto& [name, future] : work) {
    auto objects = future.get();
    if (!objects) {
      state.unread.emplace(name, objects.error());
      continue;
    }
    std::move(objects->objects.begin(), objects->objects.end(), std::back_inserter(state.objects));
    std::move(objects->vanished_entries.begin(), objects->vanished_entries.end(),
              std::back_inserter(state.vanished_entries));
  }
  std::sort(state.objects.begin(), state.objects.end(),
            [](const ObservedObject& a, const ObservedObject& b) { return a.id < b.id; });
  return state;
}

}  // namespace virtplan::planner

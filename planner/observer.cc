#include "planner/observer.h"

#include "providers/host_inventory.h"

#include <algorithm>
#include <future>

namespace virtplan::planner {

using providers::Result;

namespace {

Ownership ownership_of(const providers::ReadObject& object, const std::string& kind,
                       const std::string& stack, const providers::Ledger& ledger) {
  // The marker in the object itself wins over the ledger: it travels with
  // the object, the ledger may lag behind a crash.
  if (object.owner) return *object.owner == stack ? Ownership::ours : Ownership::foreign;
  return ledger.owns(kind, object.name) ? Ownership::ours : Ownership::unowned;
}

// What the stack declares on `host`.
std::vector<providers::StackObject> declared_on(const providers::HostConfig& host,
                                                const std::vector<providers::StackObject>& declared) {
  std::vector<providers::StackObject> here;
  std::copy_if(declared.begin(), declared.end(), std::back_inserter(here),
               [&host](const providers::StackObject& object) { return object.id.host == host.name; });
  return here;
}

std::vector<ObservedObject> observed_objects(const std::string& stack, const providers::HostConfig& host,
                                             providers::HostInventory& inventory) {
  std::vector<ObservedObject> observed;
  for (auto& [kind, objects] : inventory.kinds) {
    for (auto& object : objects) {
      const Ownership ownership = ownership_of(object, kind, stack, inventory.ledger);
      // What the host cannot show (a volume's source hash) is kept in the
      // ledger: with it, the observed spec compares like any other field.
      if (ownership == Ownership::ours && object.spec.is_object()) {
        auto entry = inventory.ledger.find(kind, object.name);
        if (entry && entry->data.is_object()) object.spec.update(entry->data);
      }
      observed.push_back(ObservedObject{{kind, object.name, host.name}, std::move(object.spec), ownership,
                                        object.owner.value_or("")});
    }
  }
  return observed;
}

}  // namespace

Result<std::vector<ObservedObject>> observe_host(
    const std::string& stack, const providers::HostConfig& host, providers::Transport& transport,
    const std::vector<const providers::KindReader*>& readers,
    const std::vector<providers::StackObject>& declared) {
  auto inventory = providers::read_host_inventory(stack, host, transport, readers, declared_on(host, declared));
  if (!inventory) return std::unexpected(inventory.error());
  return observed_objects(stack, host, *inventory);
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
  std::vector<std::pair<std::string, std::future<Result<std::vector<ObservedObject>>>>> work;
  for (const auto& entry : hosts) {
    const providers::HostConfig* host = &entry.second;
    work.emplace_back(entry.first, std::async(std::launch::async, [&stack, &read, &declared, host] {
      auto inventory = read(*host, declared_on(*host, declared));
      if (!inventory) return Result<std::vector<ObservedObject>>(std::unexpected(inventory.error()));
      return Result<std::vector<ObservedObject>>(observed_objects(stack, *host, *inventory));
    }));
  }
  ObservedState state;
  for (auto& [name, future] : work) {
    auto objects = future.get();
    if (!objects) {
      state.unread.emplace(name, objects.error());
      continue;
    }
    std::move(objects->begin(), objects->end(), std::back_inserter(state.objects));
  }
  std::sort(state.objects.begin(), state.objects.end(),
            [](const ObservedObject& a, const ObservedObject& b) { return a.id < b.id; });
  return state;
}

}  // namespace virtplan::planner

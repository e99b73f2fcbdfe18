#include "planner/observer.h"

#include "planner/ledger_ownership.h"
#include "providers/host/host_inventory.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>

namespace virtplan::planner {

using providers::Result;

namespace {

// An object its kind cannot represent is left alone, unless this stack owns
// or declares it: then the plan cannot be made without it, and the kind's
// reason is the host's read error.
Result<UnrepresentableObject> unrepresentable(providers::ObjectId id, Ownership ownership,
                                              const std::string& why,
                                              const std::vector<providers::StackObject>& declared) {
  const bool is_declared =
      std::any_of(declared.begin(), declared.end(), [&](const providers::StackObject& o) {
        return o.id.kind == id.kind && o.id.name == id.name && (id.pool.empty() || o.id.pool == id.pool);
      });
  if (ownership == Ownership::ours || is_declared) {
    return providers::fail(providers::ErrorCode::invalid,
                           fmt::format("{}: {}", id.pool.empty() ? id.name : id.pool + "/" + id.name, why));
  }
  return UnrepresentableObject{std::move(id), why};
}

Result<HostObservation> observed_objects(const std::string& stack, providers::HostInventory& inventory) {
  const LedgerOwnership ledger(stack, inventory, inventory.declared);
  if (auto trusted = ledger.check_entries(); !trusted) return std::unexpected(trusted.error());
  HostObservation observed;
  for (auto& [kind, objects, ledger_keys, marks_owner] : inventory.kinds) {
    for (auto& object : objects) {
      providers::ObjectId id{kind, object.name, inventory.host, object.pool};
      const Ownership ownership = ledger.of(id, object, marks_owner);
      if (!object.unrepresentable.empty()) {
        auto left = unrepresentable(std::move(id), ownership, object.unrepresentable, inventory.declared);
        if (!left) return std::unexpected(left.error());
        observed.unrepresentable.push_back(std::move(*left));
        continue;
      }
      // What the host cannot show (a volume's source hash) is kept in the
      // ledger: with it, the observed spec compares like any other field.
      providers::Spec spec = ownership == Ownership::ours
                                 ? ledger.merged(id, std::move(object.spec), ledger_keys)
                                 : std::move(object.spec);
      std::string migrating_to;
      std::optional<std::vector<std::string>> migrating_shared;
      if (ownership == Ownership::ours) {
        if (auto entry = ledger.entry(id); entry && entry->data.is_object()) {
          migrating_to = entry->data.value(std::string(providers::k_ledger_migrating_to), "");
          const std::string shared_key(providers::k_ledger_migrating_shared);
          if (entry->data.contains(shared_key))  // its type checked by check_entries()
            migrating_shared = entry->data[shared_key].get<std::vector<std::string>>();
        }
      }
      observed.objects.push_back(ObservedObject{std::move(id), std::move(spec), ownership,
                                                object.owner.value_or(""), std::move(migrating_to),
                                                std::move(migrating_shared)});
    }
  }
  observed.vanished_entries = ledger.vanished_entries(inventory.host, observed.objects);
  return observed;
}

}  // namespace

Result<HostObservation> observe_host(providers::HostSession& session, const std::string& stack,
                                     const std::vector<const providers::KindReader*>& readers,
                                     const std::vector<providers::StackObject>& declared,
                                     std::optional<providers::Ledger> ledger) {
  auto inventory = providers::read_host_inventory(session, stack, readers, declared, std::move(ledger));
  if (!inventory) return std::unexpected(inventory.error());
  return observed_objects(stack, *inventory);
}

ObservedState observe(const std::string& stack, const std::map<std::string, providers::HostConfig>& hosts,
                      const HostOpener& open, const std::vector<const providers::KindReader*>& readers,
                      const std::vector<providers::StackObject>& declared) {
  std::vector<std::pair<std::string, std::future<Result<HostObservation>>>> work;
  for (const auto& entry : hosts) {
    const providers::HostConfig* host = &entry.second;
    work.emplace_back(entry.first, std::async(std::launch::async, [&, host]() -> Result<HostObservation> {
                        auto opened = open(*host);
                        if (!opened) return std::unexpected(opened.error());
                        return observe_host(*opened->session, stack, readers, declared,
                                            std::move(opened->ledger));
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
    std::move(objects->unrepresentable.begin(), objects->unrepresentable.end(),
              std::back_inserter(state.unrepresentable));
  }
  std::sort(state.objects.begin(), state.objects.end(),
            [](const ObservedObject& a, const ObservedObject& b) { return a.id < b.id; });
  std::sort(state.unrepresentable.begin(), state.unrepresentable.end(),
            [](const UnrepresentableObject& a, const UnrepresentableObject& b) { return a.id < b.id; });
  return state;
}

}  // namespace virtplan::planner

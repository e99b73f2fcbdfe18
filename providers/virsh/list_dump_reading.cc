#include "providers/virsh/list_dump_reading.h"

#include "providers/host/ledger.h"
#include "providers/xml/document.h"
#include "providers/xml/owner_marker.h"

#include <fmt/format.h>

#include <sstream>

namespace virtplan::providers {

std::set<std::string> parse_name_list(const std::string& output) {
  std::set<std::string> names;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    // `pool-list --name` pads names with spaces to its table's width.
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;
    const auto last = line.find_last_not_of(" \t\r");
    names.insert(line.substr(first, last - first + 1));
  }
  return names;
}

Result<NameSets> read_name_sets(const CommandResults& results, const std::vector<VirshArgs>& lists) {
  NameSets sets;
  for (const VirshArgs& list : lists) {
    const Result<std::string>* listed = results.find(list);
    if (listed == nullptr) return fail(ErrorCode::other, fmt::format("virsh {}: not answered", list.at(0)));
    if (!*listed) return fail(listed->error());
    sets.push_back(parse_name_list(**listed));
  }
  return sets;
}

Result<std::optional<std::string>> read_owner(const std::string& xml) {
  auto doc = XmlDocument::parse(xml);
  if (!doc) return fail(doc.error());
  auto stack = doc->root().xpath_string("/*/metadata/vp:owner/@stack", {owner_namespace()});
  if (!stack) return fail(stack.error());
  return *stack;
}

std::vector<std::string> declared_names(const std::vector<StackObject>& declared, std::string_view kind) {
  std::set<std::string> names;
  for (const StackObject& object : declared) {
    if (object.id.kind == kind) names.insert(object.id.name);
  }
  return {names.begin(), names.end()};
}

std::vector<VirshArgs> ListDumpReading::next_round(const std::vector<Result<std::string>>& previous) {
  m_results.answer(previous);
  switch (m_stage) {
    case Stage::list: {
      m_stage = Stage::dump;
      std::vector<VirshArgs> commands = m_recipe.lists;
      for (const std::string& name : m_recipe.declared) commands.push_back(m_recipe.dump(name));
      for (const AheadCommand& ahead : m_recipe.ahead) commands.push_back(ahead.command);
      return m_results.ask(commands);
    }
    case Stage::dump: {
      m_stage = Stage::done;
      auto sets = read_name_sets(m_results, m_recipe.lists);
      if (!sets) {
        m_error = sets.error();
        return {};
      }
      m_sets = std::move(*sets);
      // Only what the first round did not read already.
      std::vector<VirshArgs> dumps;
      for (const std::string& name : m_sets.at(0)) {
        if (!m_results.asked(m_recipe.dump(name))) dumps.push_back(m_recipe.dump(name));
      }
      if (m_recipe.extra) {
        for (VirshArgs& command : m_recipe.extra(m_sets)) dumps.push_back(std::move(command));
      }
      // An extra command asked ahead already is not asked again: with
      // nothing left, there is no such round.
      if (auto asked = m_results.ask(dumps); !asked.empty()) {
        m_stage = Stage::confirm;
        return asked;
      }
      return relist_if_vanished();
    }
    case Stage::confirm:
      m_stage = Stage::done;
      return relist_if_vanished();
    case Stage::done:
      return {};
  }
  return {};
}

std::vector<VirshArgs> ListDumpReading::relist_if_vanished() {
  if (vanished().empty()) return {};
  // Dumps that said "not found" are believed only if a listing made now
  // agrees: a lookup over a connection that broke says the same words.
  m_results.forget(m_recipe.lists.at(0));
  return m_results.ask({m_recipe.lists.at(0)});
}

std::set<std::string> ListDumpReading::vanished() const {
  std::set<std::string> names;
  if (m_sets.empty()) return names;
  for (const std::string& name : m_sets[0]) {
    const Result<std::string>* xml = m_results.find(m_recipe.dump(name));
    if (xml != nullptr && !*xml && xml->error().code() == ErrorCode::not_found) names.insert(name);
  }
  return names;
}

Result<void> ListDumpReading::confirm_vanished() const {
  const std::set<std::string> names = vanished();
  if (names.empty()) return {};
  auto listed = read_name_sets(m_results, {m_recipe.lists.at(0)});
  if (!listed) return fail(listed.error());
  for (const std::string& name : names) {
    if (!listed->at(0).contains(name)) continue;
    const Error& said = m_results.find(m_recipe.dump(name))->error();
    return fail(Error(ErrorCode::other, fmt::format("{}: {}, though it is still listed: it could not be read",
                                                    name, said.message())));
  }
  return {};
}

void ListDumpReading::owned(const Ledger& ledger) {
  if (m_stage != Stage::list) return;  // after the rounds: nothing left to narrow
  std::erase_if(m_recipe.declared,
                [&](const std::string& name) { return !ledger.owns(m_recipe.kind, name); });
  std::erase_if(m_recipe.ahead,
                [&](const AheadCommand& ahead) { return !ledger.owns(ahead.kind, ahead.name); });
}

Result<std::vector<ReadObject>> ListDumpReading::finish() {
  if (m_error) return fail(*m_error);
  std::vector<ReadObject> objects;
  if (m_sets.empty()) return objects;
  if (auto confirmed = confirm_vanished(); !confirmed) return fail(confirmed.error());
  // The listing is the truth: a declared object it lacks is not there,
  // whatever its speculative dump said.
  for (const std::string& name : m_sets[0]) {
    const Result<std::string>* xml = m_results.find(m_recipe.dump(name));
    if (xml == nullptr) continue;  // never answered: the reading stopped early
    if (!*xml) {
      // Gone between the listing and the dump (a second listing agrees).
      if (xml->error().code() == ErrorCode::not_found) continue;
      return fail(xml->error().with_context(name));
    }
    auto owner = read_owner(**xml);
    auto spec = m_recipe.parse(**xml);
    if (!spec) {
      // XML that is not even XML has no owner to read either
      objects.push_back(unrepresentable_object(name, spec.error(), owner ? *owner : std::nullopt));
      continue;
    }
    if (!owner) return fail(owner.error().with_context(name));
    if (m_recipe.decorate) m_recipe.decorate(*spec, name, m_sets);
    objects.push_back(ReadObject{name, std::move(*spec), *owner});
  }
  if (m_recipe.complete) {
    if (auto completed = m_recipe.complete(objects, m_sets, m_results); !completed) {
      return fail(completed.error());
    }
  }
  return objects;
}

}  // namespace virtplan::providers

#include "cli/commands.h"

#include "cli/live_state_reader.h"
#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "planner/unread_host.h"
#include "providers/kind/object_address.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace virtplan::cli {
namespace {

using nlohmann::json;

struct StatusOptions {
  std::string path;
  bool json = false;
};

struct StatusRow {
  providers::ObjectId id;
  std::string state;
  std::string ownership;  // "ours", "unowned", or the owning stack's name as "stack NAME"
  std::vector<std::string> addresses;
};

const planner::ObservedObject* find(const planner::ObservedState& state, const providers::ObjectId& id) {
  auto found = std::find_if(state.objects.begin(), state.objects.end(),
                            [&](const planner::ObservedObject& object) { return object.id == id; });
  return found == state.objects.end() ? nullptr : &*found;
}

std::string state_of(const StackObservation& observed, const planner::ObservedObject& object) {
  const providers::ObjectId& id = object.id;
  if (id.kind == "domain") return object.spec.value("state", "stopped");
  if (id.kind == "network" || id.kind == "pool") {
    return observed.fact("live", id.host, id.kind + ":" + id.name) ? "active" : "inactive";
  }
  return "present";
}

StatusRow row_for(const StackObservation& observed, const providers::ObjectId& id) {
  StatusRow row{id, "missing", "", {}};
  if (observed.state.unread.contains(id.host)) {
    row.state = "unknown";
    return row;
  }
  const planner::ObservedObject* object = find(observed.state, id);
  if (!object) return row;
  row.state = state_of(observed, *object);
  row.ownership = object->ownership == planner::Ownership::ours      ? "ours"
                  : object->ownership == planner::Ownership::unowned ? "unowned"
                                                                     : "stack " + object->owner;
  if (const auto* fact = observed.fact("live", id.host, "domain:" + id.name)) {
    row.addresses = fact->value("addresses", std::vector<std::string>{});
  }
  return row;
}

// What a person needs to know about who owns it; empty when the stack does.
std::string ownership_note(const StatusRow& row) {
  if (row.ownership == "unowned") return "not owned: virtplan import " + row.id.address();
  if (row.ownership.starts_with("stack ")) return "owned by " + row.ownership;
  return "";
}

void print_table(const std::vector<StatusRow>& rows) {
  std::vector<std::vector<std::string>> cells = {
      {"ADDRESS", "KIND", "HOST", "STATE", "IP ADDRESSES", "NOTE"}};
  for (const StatusRow& row : rows) {
    cells.push_back({row.id.address(), row.id.kind, row.id.host, row.state,
                     fmt::format("{}", fmt::join(row.addresses, ",")), ownership_note(row)});
  }
  std::vector<std::size_t> widths(cells.front().size(), 0);
  for (const auto& line : cells) {
    for (std::size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  for (const auto& line : cells) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      text += i + 1 == line.size() ? line[i] : fmt::format("{:<{}}  ", line[i], widths[i]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    fmt::print("{}\n", text);
  }
}

json status_json(const std::string& stack, const std::vector<StatusRow>& rows,
                 const std::map<std::string, providers::Error>& unread) {
  json objects = json::array();
  for (const StatusRow& row : rows) {
    json object = providers::object_id_json(row.id);
    object.update({{"state", row.state},
                   {"owned", row.ownership == "ours"},
                   {"owner", row.ownership.starts_with("stack ") ? json(row.ownership.substr(6))
                             : row.ownership == "ours"           ? json(stack)
                                                                 : json(nullptr)},
                   {"addresses", row.addresses}});
    objects.push_back(std::move(object));
  }
  return {{"stack", stack}, {"objects", objects}, {"unreachable", planner::unread_messages(unread)}};
}

int status(const StatusOptions& options) {
  // load
  auto stack = load_stack(options.path, stderr);
  if (!stack) return 1;
  // observe, with the live facts in the same rounds
  static const LiveStateReader live;
  const auto observing = observe_stack(*stack, {&live});
  if (!observing) {
    print_refusal(observing.error(), stderr);
    return 1;
  }
  const StackObservation& observed = *observing;
  std::vector<StatusRow> rows;
  for (const providers::ObjectId& id : declared_or_owned(*stack, observed.state))
    rows.push_back(row_for(observed, id));
  // render
  if (options.json) {
    fmt::print("{}\n", status_json(stack->name, rows, observed.state.unread).dump(2));
  } else {
    print_table(rows);
  }
  for (const auto& [host, why] : observed.state.unread)
    fmt::print(stderr, "{}\n", planner::unread_line(host, why));
  return observed.state.unread.empty() ? 0 : 1;
}

}  // namespace

SubcommandRunner setup_status(CLI::App& command) {
  auto options = std::make_shared<StatusOptions>();
  add_stack_file_option(command, options->path);
  command.add_flag("--json", options->json, "print the status as JSON");
  return [options] { return status(*options); };
}

}  // namespace virtplan::cli

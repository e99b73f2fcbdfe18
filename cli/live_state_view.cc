#include "cli/live_state_view.h"

#include "cli/stack_observation.h"
#include "cli/stack_options.h"
#include "planner/sensitive.h"
#include "planner/unread_host.h"
#include "providers/base/printable_text.h"
#include "providers/base/stack_yaml.h"
#include "providers/kind/object_address.h"

#include <fmt/format.h>

#include <sstream>

namespace virtplan::cli {
namespace {

using nlohmann::json;

std::string indented(const std::string& text, const std::string& indent) {
  std::istringstream lines(text);
  std::string out;
  for (std::string line; std::getline(lines, line);) out += indent + line + "\n";
  return out;
}

}  // namespace

int show_live_state(const std::string& path, bool as_json) {
  // load
  auto stack = load_stack(path, stderr);
  if (!stack) return 1;
  // observe
  const auto observing = observe_stack(*stack, {});
  if (!observing) {
    print_refusal(observing.error(), stderr);
    return 1;
  }
  const StackObservation& observed = *observing;
  // render: the observer sorted the objects by id
  json objects = json::array();
  std::string text;
  for (const planner::ObservedObject& object : observed.state.objects) {
    if (object.ownership != planner::Ownership::ours) continue;
    const json spec = planner::mask_sensitive(object.spec);
    json entry = providers::object_id_json(object.id);
    entry["spec"] = spec;
    objects.push_back(std::move(entry));
    text +=
        providers::printable_text(object.id.address()) + "\n" + indented(providers::stack_yaml(spec), "    ");
  }
  if (as_json) {
    fmt::print("{}\n", json{{"stack", stack->name},
                            {"objects", objects},
                            {"unreachable", planner::unread_messages(observed.state.unread)}}
                           .dump(2));
  } else {
    fmt::print("{}", objects.empty()
                         ? fmt::format("stack '{}' owns nothing on its reachable hosts\n", stack->name)
                         : text);
  }
  for (const auto& [host, why] : observed.state.unread)
    fmt::print(stderr, "{}\n", planner::unread_line(host, why));
  return observed.state.unread.empty() ? 0 : 1;
}

}  // namespace virtplan::cli

#include "planner/plan_text.h"

#include "planner/plan.h"
#include "planner/rolling.h"
#include "planner/sensitive.h"
#include "providers/base/json_path.h"
#include "providers/base/printable_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace virtplan::planner {

using nlohmann::json;
using providers::Impact;

namespace {

std::string_view symbol(Action action) {
  switch (action) {
    case Action::create:
      return "+";
    case Action::update:
      return "~";
    case Action::replace:
      return "-/+";
    case Action::destroy:
      return "-";
    case Action::migrate:
      return "~>";
    case Action::no_op:
      break;
  }
  return " ";
}

// "/memory/current" -> "memory.current"; JSON pointer escapes undone.
std::string display_path(std::string_view pointer) { return providers::JsonPath::parse(pointer).dotted(); }

// Values come from hosts and stacks: a title with a newline or an escape
// sequence must not forge a plan line (providers/base/printable_text.h).
std::string show(const providers::ResourceKind* kind, const FieldChange& f, const json& value) {
  if (is_sensitive_path(f.path)) return std::string(k_sensitive);
  const json masked = mask_sensitive(value);
  if (kind != nullptr) return providers::printable_text(kind->format_value(f.path, masked));
  return providers::printable_text(masked.is_string() ? masked.get<std::string>() : masked.dump());
}

std::string field_line(const providers::ResourceKind* kind, const Change& c, const FieldChange& f) {
  const std::string path = providers::printable_text(display_path(f.path));
  std::string line;
  if (f.before.is_null()) {
    line = fmt::format("      + {} {}", path, show(kind, f, f.after));
  } else if (f.after.is_null()) {
    line = fmt::format("      - {} {}", path, show(kind, f, f.before));
  } else {
    line = fmt::format("        {}  {} -> {}", path, show(kind, f, f.before), show(kind, f, f.after));
  }
  // A field whose impact differs from its object's says so: a live field
  // inside a restart update is still applied live.
  if (f.impact != c.impact && f.impact != Impact::none) {
    line += fmt::format("   ({})", to_string(f.impact));
  }
  return line;
}

std::string detail(const providers::ResourceKind* kind, const Change& c) {
  switch (c.action) {
    case Action::create: {
      // A placed domain's reason says where it goes and why (placement_stage.h).
      std::string summary = kind != nullptr ? kind->summary(c.after) : std::string();
      if (c.reasons.empty()) return summary;
      return fmt::format("{}{}{}", summary, summary.empty() ? "" : "  ", fmt::join(c.reasons, "; "));
    }
    case Action::update:
      // A restart-class change to a domain that does not run across the apply.
      if (c.impact == Impact::config) return "config (takes effect at next start)";
      if (!c.reasons.empty()) return fmt::format("{}  {}", to_string(c.impact), fmt::join(c.reasons, "; "));
      return std::string(to_string(c.impact));
    case Action::replace:
      return fmt::format("{}", fmt::join(c.reasons, "; "));
    case Action::destroy:
    case Action::migrate:
      return fmt::format("{}", fmt::join(c.reasons, "; "));
    case Action::no_op:
      break;
  }
  return {};
}

}  // namespace

std::string render_summary_line(const PlanSummary& s) {
  if (!s.has_changes()) {
    return fmt::format("No changes: {} object{} up to date.", s.unchanged, s.unchanged == 1 ? "" : "s");
  }
  std::string change = fmt::format("{} to change", s.change);
  // Config changes are counted only when there are any: most plans have none.
  if (s.change > 0 && s.change_config > 0) {
    change +=
        fmt::format(" ({} live, {} config, {} restart)", s.change_live, s.change_config, s.change_restart);
  } else if (s.change > 0) {
    change += fmt::format(" ({} live, {} restart)", s.change_live, s.change_restart);
  }
  // Migrations are counted only when there are any, like config changes.
  const std::string migrate = s.migrate > 0 ? fmt::format(", {} to migrate", s.migrate) : std::string();
  return fmt::format("Plan: {} to add, {}, {} to replace, {} to destroy{}.", s.add, change, s.replace,
                     s.destroy, migrate);
}

namespace {

// Each change's address as the text shows it: a volume that moves between
// pools is two changes of one address (a create and a destroy), so where an
// address names two changes both say their pool ("volume.img/root@lab1").
std::map<providers::ObjectId, std::string> shown_addresses(const Plan& plan) {
  std::map<std::string, int> uses;
  for (const Change& c : plan.changes()) ++uses[c.id.address()];
  std::map<providers::ObjectId, std::string> shown;
  for (const Change& c : plan.changes()) {
    shown[c.id] = uses[c.id.address()] > 1 ? c.id.qualified_address() : c.id.address();
  }
  return shown;
}

}  // namespace

std::string render_plan_text(const Plan& plan, const KindLookup& kinds) {
  const auto shown = shown_addresses(plan);
  std::size_t width = 0;
  for (const Change& c : plan.changes()) {
    if (c.action != Action::no_op) {
      width = std::max(width, symbol(c.action).size() + 1 + providers::printable_text(shown.at(c.id)).size());
    }
  }
  std::string out;
  for (const Change& c : plan.changes()) {
    if (c.action == Action::no_op) continue;
    const providers::ResourceKind* kind = kinds(c.id.kind);
    const std::string head =
        fmt::format("{} {}", symbol(c.action), providers::printable_text(shown.at(c.id)));
    const std::string more = providers::printable_text(detail(kind, c));
    // A migrate says where to: "~> domain.web@h1  migrate to h2  offline, ...".
    const std::string action = c.action == Action::migrate
                                   ? fmt::format("migrate to {}", providers::printable_text(c.destination))
                                   : std::string(to_string(c.action));
    out += fmt::format("  {:<{}}  {}", head, width, action);
    out += more.empty() ? "\n" : fmt::format("  {}\n", more);
    if (c.action == Action::update || c.action == Action::replace) {
      for (const FieldChange& f : c.fields) out += field_line(kind, c, f) + "\n";
    }
  }
  // The rolls of replica groups, as apply will run them (planner/rolling.h).
  for (const Roll& roll : rolls_of(plan.changes())) out += fmt::format("  {}\n", roll_line(roll));
  if (!out.empty()) out += "\n";
  out += render_summary_line(plan.summary()) + "\n";
  return out;
}

}  // namespace virtplan::planner

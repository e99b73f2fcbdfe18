#include "planner/plan.h"

#include <algorithm>
#include <array>
#include <utility>

namespace virtplan::planner {

using providers::Impact;

Plan::Plan(std::string stack, std::vector<Change> changes)
    : m_stack(std::move(stack)), m_changes(std::move(changes)) {
  // Sorted by kind, then name, then host: the address order users scan.
  std::sort(m_changes.begin(), m_changes.end(),
            [](const Change& a, const Change& b) { return a.id.address() < b.id.address(); });
}

PlanSummary Plan::summary() const {
  PlanSummary s;
  for (const Change& c : m_changes) {
    switch (c.action) {
      case Action::no_op:
        ++s.unchanged;
        break;
      case Action::create:
        ++s.add;
        break;
      case Action::replace:
        ++s.replace;
        break;
      case Action::destroy:
        ++s.destroy;
        break;
      case Action::migrate:
        ++s.migrate;
        break;
      case Action::update:
        ++s.change;
        if (c.impact == Impact::restart) {
          ++s.change_restart;
        } else if (c.impact == Impact::config) {
          ++s.change_config;
        } else {
          ++s.change_live;
        }
        break;
    }
  }
  return s;
}

namespace {

// The JSON plan's spelling (stack-format.md), shared by text and JSON output.
constexpr std::array<std::pair<Action, std::string_view>, 6> k_action_names{{
    {Action::no_op, "no-op"},
    {Action::create, "create"},
    {Action::update, "update"},
    {Action::replace, "replace"},
    {Action::destroy, "destroy"},
    {Action::migrate, "migrate"},
}};

constexpr std::array<std::pair<Impact, std::string_view>, 5> k_impact_names{{
    {Impact::none, "none"},
    {Impact::live, "live"},
    {Impact::config, "config"},
    {Impact::restart, "restart"},
    {Impact::replace, "replace"},
}};

// The name of `value` in `names` (the first entry's when it has none).
template <class T, std::size_t N>
std::string_view spelling_of(const std::array<std::pair<T, std::string_view>, N>& names, T value) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return names.front().second;
}

// The value named `text` in `names`, or nullopt.
template <class T, std::size_t N>
std::optional<T> value_spelt(const std::array<std::pair<T, std::string_view>, N>& names,
                             std::string_view text) {
  for (const auto& [v, name] : names) {
    if (name == text) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Action action) { return spelling_of(k_action_names, action); }

std::optional<Action> action_from_string(std::string_view text) { return value_spelt(k_action_names, text); }

std::string_view to_string(Impact impact) { return spelling_of(k_impact_names, impact); }

std::optional<Impact> impact_from_string(std::string_view text) { return value_spelt(k_impact_names, text); }

}  // namespace virtplan::planner

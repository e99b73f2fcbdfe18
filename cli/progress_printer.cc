#include "cli/progress_printer.h"

#include "providers/base/printable_text.h"

#include <fmt/format.h>

#include <string_view>

namespace virtplan::cli {
namespace {

using planner::Action;

std::string_view doing(Action action) {
  switch (action) {
    case Action::create:
      return "creating";
    case Action::update:
      return "updating";
    case Action::replace:
      return "replacing";
    case Action::destroy:
      return "destroying";
    case Action::migrate:
      return "migrating";
    case Action::no_op:
      break;
  }
  return "checking";
}

std::string_view done(Action action) {
  switch (action) {
    case Action::create:
      return "created";
    case Action::update:
      return "updated";
    case Action::replace:
      return "replaced";
    case Action::destroy:
      return "destroyed";
    case Action::migrate:
      return "migrated";
    case Action::no_op:
      break;
  }
  return "unchanged";
}

std::string seconds(std::chrono::milliseconds elapsed) {
  return fmt::format("{:.1f} s", static_cast<double>(elapsed.count()) / 1000.0);
}

}  // namespace

void ProgressPrinter::step_started(const providers::ObjectId& id, Action action) {
  fmt::print(m_out, "  {}: {}\n", providers::printable_text(id.address()), doing(action));
  std::fflush(m_out);
}

void ProgressPrinter::step_progress(const providers::ObjectId& id, std::string_view text) {
  fmt::print(m_out, "  {}: {}\n", providers::printable_text(id.address()), providers::printable_text(text));
  std::fflush(m_out);
}

void ProgressPrinter::step_finished(const planner::StepResult& result) {
  // Reasons quote hosts (libvirt's messages): each stays on its line.
  const std::string address = providers::printable_text(result.id.address());
  const std::string reason = providers::printable_text(result.reason);
  switch (result.status) {
    case planner::StepStatus::done:
      fmt::print(m_out, "  {}: {} ({})\n", address, done(result.action), seconds(result.elapsed));
      break;
    case planner::StepStatus::failed:
      fmt::print(m_out, "  {}: {} failed after {}: {}\n", address, to_string(result.action),
                 seconds(result.elapsed), reason);
      break;
    case planner::StepStatus::skipped:
      fmt::print(m_out, "  {}: skipped: {}\n", address, reason);
      break;
  }
  std::fflush(m_out);
}

}  // namespace virtplan::cli

#include "providers/kind/step_log.h"

#include "providers/kind/field_change.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace virtplan::providers {

std::string virsh_words(std::string_view command, const Error& failure) {
  const std::string& message = failure.message();
  std::string prefix = fmt::format("virsh {}: ", command);
  auto at = message.find(prefix);
  return at == std::string::npos ? message : message.substr(at + prefix.size());
}

std::string StepLog::state(std::string_view not_done) const {
  std::vector<std::string> parts = m_done;
  if (!not_done.empty()) parts.emplace_back(not_done);
  return parts.empty() ? std::string() : fmt::format(" ({})", fmt::join(parts, ", "));
}

Error StepLog::failure(std::string_view command, const Error& failure, std::string_view not_done) const {
  return Error(failure.code(), fmt::format("{}: virsh {} failed: {}{}", m_id.address(), command,
                                           virsh_words(command, failure), state(not_done)));
}

Error StepLog::failure(ErrorCode code, std::string_view message, std::string_view not_done) const {
  return Error(code, fmt::format("{}: {}{}", m_id.address(), message, state(not_done)));
}

Error StepLog::no_live_way(const std::vector<FieldChange>& fields) const {
  std::vector<std::string> paths;
  for (const FieldChange& field : fields) paths.push_back(field.path);
  return failure(ErrorCode::invalid,
                 fmt::format("no live way to change {}, planned as live", fmt::join(paths, ", ")),
                 "nothing changed");
}

}  // namespace virtplan::providers

#include "providers/virsh/command_results.h"

#include "providers/host/shell_quote.h"

#include <fmt/format.h>

namespace virtplan::providers {

std::vector<VirshArgs> CommandResults::ask(const std::vector<VirshArgs>& commands) {
  m_pending.clear();
  for (const VirshArgs& command : commands) {
    if (m_results.try_emplace(command, std::nullopt).second) m_pending.push_back(command);
  }
  return m_pending;
}

void CommandResults::answer(const std::vector<Result<std::string>>& results) {
  for (std::size_t i = 0; i < m_pending.size(); ++i) {
    if (i < results.size()) {
      m_results[m_pending[i]] = results[i];
    } else {
      m_results[m_pending[i]] =
          fail(ErrorCode::other, fmt::format("virsh {}: no answer", shell_join(m_pending[i])));
    }
  }
  m_pending.clear();
}

const Result<std::string>* CommandResults::find(const VirshArgs& command) const {
  auto found = m_results.find(command);
  if (found == m_results.end() || !found->second) return nullptr;
  return &*found->second;
}

bool CommandResults::asked(const VirshArgs& command) const { return m_results.contains(command); }

void CommandResults::forget(const VirshArgs& command) { m_results.erase(command); }

bool failed_saying(const Result<std::string>* answer, std::string_view words) {
  return answer != nullptr && !*answer && answer->error().message().find(words) != std::string::npos;
}

}  // namespace virtplan::providers

#include "providers/host/lock_guarded_transport.h"

namespace virtplan::providers {

namespace {

// A streamed command whose every write asks the check first.
class LockGuardedStream final : public CommandStream {
public:
  LockGuardedStream(std::unique_ptr<CommandStream> inner, LockGuardedTransport::Check check)
      : m_inner(std::move(inner)), m_check(std::move(check)) {}

  Result<void> write(std::string data) override {
    if (auto allowed = m_check(); !allowed) return allowed;
    return m_inner->write(std::move(data));
  }

private:
  std::unique_ptr<CommandStream> m_inner;
  LockGuardedTransport::Check m_check;
};

}  // namespace

LockGuardedTransport::LockGuardedTransport(Transport& inner, Check check)
    : m_inner(inner), m_check(std::move(check)) {}

Result<CommandOutput> LockGuardedTransport::run(const Command& command) {
  if (auto allowed = m_check(); !allowed) return fail(allowed.error());
  return m_inner.run(command);
}

Result<HoldOutcome> LockGuardedTransport::hold(const Command& command, std::string_view ready_line) {
  if (auto allowed = m_check(); !allowed) return fail(allowed.error());
  return m_inner.hold(command, ready_line);
}

Result<std::unique_ptr<CommandStream>> LockGuardedTransport::stream(const Command& command, StreamSink sink) {
  if (auto allowed = m_check(); !allowed) return fail(allowed.error());
  auto inner = m_inner.stream(command, std::move(sink));
  if (!inner) return inner;
  return std::unique_ptr<CommandStream>(std::make_unique<LockGuardedStream>(std::move(*inner), m_check));
}

}  // namespace virtplan::providers

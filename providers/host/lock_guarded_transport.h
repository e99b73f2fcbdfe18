#pragma once

// LockGuardedTransport is the transport every change to a host goes through
// while a stack lock is held there (architecture.md, decision 10): before it
// sends anything (a command, a held or streamed command, a write to a
// streamed command such as a shared virsh), it asks `check`, and once the
// lock is lost it sends nothing more and fails with the check's error
// (ErrorCode::locked). A command sent before the loss was seen may still
// run; none is sent after. The commands go to `inner`, which holds no more
// than the one lock's worth of trust: the SSH transport does not reconnect
// after a session that held the lock died (ssh_transport.cc).

#include "providers/base/error.h"
#include "providers/host/transport.h"

#include <functional>
#include <memory>

namespace virtplan::providers {

class LockGuardedTransport final : public Transport {
public:
  // `check` fails once nothing more may be sent; it is called from any thread.
  using Check = std::function<Result<void>()>;

  // `inner` must outlive this, and so must every stream this made.
  LockGuardedTransport(Transport& inner, Check check);

  Result<CommandOutput> run(const Command& command) override;
  Result<HoldOutcome> hold(const Command& command, std::string_view ready_line) override;
  bool can_stream() const override { return m_inner.can_stream(); }
  Result<std::unique_ptr<CommandStream>> stream(const Command& command, StreamSink sink) override;
  const std::string& host_name() const override { return m_inner.host_name(); }
  std::string host_key() const override { return m_inner.host_key(); }

private:
  Transport& m_inner;
  Check m_check;
};

}  // namespace virtplan::providers

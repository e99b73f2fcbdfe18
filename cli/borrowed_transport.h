#pragma once

// BorrowedTransport lends a transport someone else owns to code that wants to
// own one (planner::observe() takes a factory of unique_ptr<Transport>). apply
// uses it to observe each host over the very session that holds the stack's
// lock there, so observing costs no second SSH connection and nothing can
// change the host between the lock and the read. It must not outlive the
// transport it borrows.

#include "providers/transport.h"

namespace virtplan::cli {

class BorrowedTransport : public providers::Transport {
public:
  explicit BorrowedTransport(providers::Transport& owner) : m_owner(owner) {}

  providers::Result<providers::CommandOutput> run(const providers::Command& command) override {
    return m_owner.run(command);
  }
  providers::Result<providers::HoldOutcome> hold(const providers::Command& command,
                                                 std::string_view ready_line) override {
    return m_owner.hold(command, ready_line);
  }
  const std::string& host_name() const override { return m_owner.host_name(); }

private:
  providers::Transport& m_owner;
};

}  // namespace virtplan::cli

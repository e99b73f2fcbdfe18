#pragma once

// FakeTransport is a Transport for unit tests: it records every Command it is
// given and answers each from a script of canned replies, in order. When the
// script runs out it asks the responder, if one is set, and otherwise fails
// with a message naming the unexpected command. Safe to use from several
// threads (replies are then handed out in the order the calls arrive).
//
//   FakeTransport fake;
//   fake.reply("running\n").reply("", 1, "error: failed to get domain 'x'\n");
//   ... code under test ...
//   CHECK(fake.commands()[0].argv == std::vector<std::string>{"virsh", ...});

#include "providers/host/shell_quote.h"
#include "providers/host/transport.h"

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace virtplan::providers {

class FakeTransport : public Transport {
public:
  using Responder = std::function<Result<CommandOutput>(const Command&)>;

  explicit FakeTransport(std::string host_name = "fake") : m_host_name(std::move(host_name)) {}

  // Queues the reply to the next command.
  FakeTransport& reply(std::string out, int exit_status = 0, std::string err = {}) {
    return reply(CommandOutput{exit_status, std::move(out), std::move(err)});
  }
  FakeTransport& reply(CommandOutput output) {
    std::lock_guard lock(m_mutex);
    m_script.push_back(std::move(output));
    return *this;
  }
  // Queues a transport failure (unreachable, timeout...) for the next command.
  FakeTransport& fail_next(Error error) {
    std::lock_guard lock(m_mutex);
    m_script.push_back(std::unexpected(std::move(error)));
    return *this;
  }
  // Answers every command the script does not, from the command itself.
  void respond_with(Responder responder) {
    std::lock_guard lock(m_mutex);
    m_responder = std::move(responder);
  }

  Result<CommandOutput> run(const Command& command) override {
    Responder responder;
    {
      std::lock_guard lock(m_mutex);
      m_commands.push_back(command);
      if (!m_script.empty()) {
        auto next = std::move(m_script.front());
        m_script.pop_front();
        return next;
      }
      responder = m_responder;
    }
    if (responder) {
      return responder(command);
    }
    return std::unexpected(
        Error(ErrorCode::other, m_host_name + ": fake: no reply scripted for " + shell_join(command.argv)));
  }

  // Takes the next reply like run(): when its stdout holds the ready line, the
  // command counts as held (releases() counts the handles destroyed since);
  // otherwise it ended with that reply.
  Result<HoldOutcome> hold(const Command& command, std::string_view ready_line) override {
    auto reply = run(command);
    if (!reply) return std::unexpected(reply.error());
    HoldOutcome outcome;
    const std::string line = std::string(ready_line) + "\n";
    if (reply->out.starts_with(line) || reply->out.find("\n" + line) != std::string::npos) {
      outcome.held = std::make_unique<Held>(m_releases, m_holds_lost);
    } else {
      outcome.ended = std::move(*reply);
    }
    return outcome;
  }
  int releases() const { return m_releases->load(); }
  // Every command held so far stops running, as when its holder on the host
  // is killed or its connection breaks.
  void lose_holds() { m_holds_lost->store(true); }

  const std::string& host_name() const override { return m_host_name; }

  // Every command run so far, in order.
  std::vector<Command> commands() const {
    std::lock_guard lock(m_mutex);
    return m_commands;
  }
  // Just the argv of every command run so far.
  std::vector<std::vector<std::string>> argvs() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::vector<std::string>> argvs;
    for (const auto& command : m_commands) {
      argvs.push_back(command.argv);
    }
    return argvs;
  }
  // Replies scripted but not used yet; a test that expected them all to be
  // used checks this is 0.
  std::size_t unused_replies() const {
    std::lock_guard lock(m_mutex);
    return m_script.size();
  }

private:
  class Held : public HeldCommand {
  public:
    Held(std::shared_ptr<std::atomic<int>> releases, std::shared_ptr<std::atomic<bool>> lost)
        : m_releases(std::move(releases)), m_lost(std::move(lost)) {}
    ~Held() override { m_releases->fetch_add(1); }
    bool running() const override { return !m_lost->load(); }

  private:
    std::shared_ptr<std::atomic<int>> m_releases;
    std::shared_ptr<std::atomic<bool>> m_lost;
  };

  std::shared_ptr<std::atomic<int>> m_releases = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<bool>> m_holds_lost = std::make_shared<std::atomic<bool>>(false);
  std::string m_host_name;
  mutable std::mutex m_mutex;
  std::deque<Result<CommandOutput>> m_script;
  std::vector<Command> m_commands;
  Responder m_responder;
};

}  // namespace virtplan::providers

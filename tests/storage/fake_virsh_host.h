#pragma once

// FakeVirshHost answers virsh commands, single or batched, the way virsh -q
// on a host would, so an actuator's tests can script replies per subcommand
// and assert the exact virsh subcommands it ran, in order, whether they went
// one per process or many in a batch:
//
//   FakeVirshHost host;
//   host.once("pool-start --pool images", {"", "error: cannot open directory"});
//   ... actuator.create(step, host.session()) ...
//   CHECK(host.ran() == std::vector<std::string>{"pool-define /dev/stdin", ...});

#include "providers/host_session.h"
#include "providers/virsh_quote.h"

#include "tests/providers/fake_transport.h"

#include <map>
#include <regex>
#include <string>
#include <vector>

namespace virtplan::storage::test {

struct VirshReply {
  std::string out;
  std::string err;  // "error: ..." lines make the subcommand fail
};

class FakeVirshHost {
public:
  FakeVirshHost() : m_session(m_config, m_fake) {
    m_config.name = "lab1";
    m_fake.respond_with([this](const providers::Command& command) { return answer(command); });
  }

  // The reply to every later run of `line` (the subcommand as virsh_join
  // spells it); unscripted subcommands succeed and print nothing.
  void on(const std::string& line, VirshReply reply) { m_replies[line] = std::move(reply); }
  // The reply to the next run of `line` only (before any on() reply).
  void once(const std::string& line, VirshReply reply) { m_once[line].push_back(std::move(reply)); }

  providers::HostSession& session() { return m_session; }
  // Every subcommand run so far, in order.
  const std::vector<std::string>& ran() const { return m_ran; }
  // What was sent on stdin with each single (unbatched) subcommand.
  const std::map<std::string, std::string>& stdin_of() const { return m_stdin; }
  // How many virsh processes were started (round trips).
  std::size_t processes() const { return m_fake.commands().size(); }

private:
  // The subcommands of a batch script, between its markers.
  static std::vector<std::string> split_batch(const std::string& script,
                                              std::vector<std::string>& markers) {
    static const std::regex k_marker("echo --err (vpmark[0-9a-f]+n[0-9]+e) ; echo \\1");
    std::vector<std::string> lines;
    std::vector<std::pair<std::size_t, std::size_t>> spans;  // where each marker pair lies
    for (auto it = std::sregex_iterator(script.begin(), script.end(), k_marker);
         it != std::sregex_iterator(); ++it) {
      markers.push_back((*it)[1].str());
      spans.emplace_back(it->position(), it->position() + it->length());
    }
    for (std::size_t i = 0; i + 1 < spans.size(); ++i) {
      std::string between = script.substr(spans[i].second, spans[i + 1].first - spans[i].second);
      // " ; COMMAND ; "
      lines.push_back(between.substr(3, between.size() - 6));
    }
    return lines;
  }

  VirshReply reply_to(const std::string& line) {
    m_ran.push_back(line);
    if (auto queued = m_once.find(line); queued != m_once.end() && !queued->second.empty()) {
      VirshReply reply = queued->second.front();
      queued->second.erase(queued->second.begin());
      return reply;
    }
    auto it = m_replies.find(line);
    return it == m_replies.end() ? VirshReply{} : it->second;
  }

  providers::Result<providers::CommandOutput> answer(const providers::Command& command) {
    // [virsh -q -c URI] then the subcommand's words, or one batch script.
    std::vector<std::string> words(command.argv.begin() + 4, command.argv.end());
    if (words.size() == 1 && words[0].starts_with("echo --err vpmark")) {
      std::vector<std::string> markers;
      auto lines = split_batch(words[0], markers);
      providers::CommandOutput output;
      for (std::size_t i = 0; i < markers.size(); ++i) {
        output.out += markers[i];
        output.err += "error: " + markers[i] + "\n";
        if (i < lines.size()) {
          VirshReply reply = reply_to(lines[i]);
          output.out += reply.out;
          output.err += reply.err;
        }
      }
      return output;
    }
    std::string line = providers::virsh_join(words);
    if (command.stdin_data) m_stdin[line] = *command.stdin_data;
    VirshReply reply = reply_to(line);
    return providers::CommandOutput{reply.err.empty() ? 0 : 1, reply.out, reply.err};
  }

  providers::HostConfig m_config;
  providers::FakeTransport m_fake{"lab1"};
  providers::HostSession m_session;
  std::map<std::string, VirshReply> m_replies;
  std::map<std::string, std::vector<VirshReply>> m_once;
  std::vector<std::string> m_ran;
  std::map<std::string, std::string> m_stdin;
};

}  // namespace virtplan::storage::test

#pragma once

// FakeVirshHost is a host whose virsh answers from a script, single commands
// and batches alike (VirshRunner's markers are echoed back the way virsh -q
// prints them), for actuator tests that assert the exact virsh subcommands
// run, in order, however they were grouped into processes:
//
//   FakeVirshHost host;
//   host.on("domstate --domain web", "running\n");            // every time
//   host.then("domstate --domain web", "shut off\n");         // once, before the above
//   host.fail("start --domain web", "error: internal error: no\n");
//   ... actuator.update(step, host.session()) ...
//   CHECK(host.ran() == std::vector<std::string>{"domstate --domain web", ...});
//
// Lines are the subcommand as providers::virsh_join spells it. Unscripted
// subcommands succeed and print nothing. A batch whose commands read
// documents (VirshRunner::batch_calls) is answered like one without: each
// document is taken from the tar archive on stdin and recorded as that
// command's stdin, under the line with "/dev/stdin" put back. Safe to use from several
// threads; on_process() runs before each process is answered (outside the
// fake's lock), so a test can hold one process while others queue up.

#include "providers/host/host_session.h"
#include "providers/virsh/quote.h"
#include "tests/providers/fake_transport.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtplan::providers::test {

class FakeVirshHost {
public:
  struct Reply {
    std::string out;
    std::string err;  // "error: ..." lines make the subcommand fail
  };

  explicit FakeVirshHost(VirshBatcher::Options batching = {}) : m_session(named("lab1"), m_fake, batching) {
    m_fake.respond_with([this](const Command& command) { return answer(command); });
  }
  // A host of another name (a migration's two ends).
  explicit FakeVirshHost(const std::string& name)
      : m_fake(name), m_session(named(name), m_fake, VirshBatcher::Options{}) {
    m_fake.respond_with([this](const Command& command) { return answer(command); });
  }

  // The reply to every run of `line` that no then() reply is queued for.
  void on(const std::string& line, std::string out) { m_replies[line] = Reply{std::move(out), {}}; }
  void reply(const std::string& line, Reply reply) { m_replies[line] = std::move(reply); }
  void fail(const std::string& line, std::string err) { m_replies[line] = Reply{{}, std::move(err)}; }
  // The reply to the next run of `line` only; several queue up in order.
  void then(const std::string& line, std::string out) { m_queued[line].push_back(Reply{std::move(out), {}}); }
  void then_fail(const std::string& line, std::string err) {
    m_queued[line].push_back(Reply{{}, std::move(err)});
  }
  void reply_once(const std::string& line, Reply reply) { m_queued[line].push_back(std::move(reply)); }
  // Anything else the transport runs (not virsh): its exit status and output.
  void on_other(const std::string& argv0, CommandOutput output) { m_other[argv0] = std::move(output); }
  // Called with every process's command before it is answered.
  void on_process(std::function<void(const Command&)> hook) { m_on_process = std::move(hook); }

  HostSession& session() { return m_session; }
  // Every subcommand run so far, in order (other programs as "! ARGV...").
  const std::vector<std::string>& ran() const { return m_ran; }
  // What was sent on standard input with the last run of each single subcommand.
  std::string stdin_of(const std::string& line) const {
    auto it = m_stdin.find(line);
    return it == m_stdin.end() ? std::string() : it->second;
  }
  // The subcommands sent on an interactive virsh's standard input.
  const std::vector<std::string>& interactive() const { return m_interactive; }
  // Every process the transport started, as it was started.
  std::vector<Command> commands() const { return m_fake.commands(); }
  // How many processes were started (round trips).
  std::size_t processes() const { return m_fake.commands().size(); }

private:
  // The markers VirshRunner puts around each command of a batch, "echo --err
  // vpmark<hex>n<index>e ; echo vpmark<hex>n<index>e", and the commands
  // between them. Parsed by hand: <regex> would double this header's compile
  // time, in every test that includes it.
  static bool is_marker(std::string_view word) {
    if (!word.starts_with("vpmark") || !word.ends_with('e')) return false;
    const std::string_view body = word.substr(6, word.size() - 7);
    const std::size_t n = body.find('n');
    if (n == std::string_view::npos || n == 0 || n + 1 == body.size()) return false;
    auto all = [](std::string_view part, std::string_view digits) {
      return part.find_first_not_of(digits) == std::string_view::npos;
    };
    return all(body.substr(0, n), "0123456789abcdef") && all(body.substr(n + 1), "0123456789");
  }
  static std::vector<std::string> split_batch(const std::string& script, std::vector<std::string>& markers) {
    static constexpr std::string_view k_echo = "echo --err ";
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    for (std::size_t at = script.find(k_echo); at != std::string::npos; at = script.find(k_echo, at + 1)) {
      const std::size_t start = at + k_echo.size();
      const std::size_t end = std::min(script.find(' ', start), script.size());
      const std::string marker = script.substr(start, end - start);
      const std::string tail = " ; echo " + marker;
      if (!is_marker(marker) || script.compare(end, tail.size(), tail) != 0) continue;
      markers.push_back(marker);
      spans.emplace_back(at, end + tail.size());
    }
    std::vector<std::string> lines;
    for (std::size_t i = 0; i + 1 < spans.size(); ++i) {
      std::string between = script.substr(spans[i].second, spans[i + 1].first - spans[i].second);
      lines.push_back(between.substr(3, between.size() - 6));  // " ; COMMAND ; "
    }
    return lines;
  }

  // Puts "/dev/stdin" back for each " vpdocN" word of a batch line; the
  // number of the first is the index of its document, if there is one.
  static std::optional<std::size_t> restore_stdin(std::string& line) {
    static constexpr std::string_view k_doc = " vpdoc";
    std::optional<std::size_t> first;
    for (std::size_t at = line.find(k_doc); at != std::string::npos; at = line.find(k_doc, at + 1)) {
      const std::size_t digits = at + k_doc.size();
      const std::size_t end = std::min(line.find_first_not_of("0123456789", digits), line.size());
      if (end == digits || (end < line.size() && line[end] != ' ')) continue;
      if (!first) first = std::stoul(line.substr(digits, end - digits));
      line.replace(at, end - at, " /dev/stdin");
    }
    return first;
  }

  Reply reply_to(const std::string& line) {
    m_ran.push_back(line);
    if (auto queued = m_queued.find(line); queued != m_queued.end() && !queued->second.empty()) {
      Reply reply = queued->second.front();
      queued->second.pop_front();
      return reply;
    }
    auto it = m_replies.find(line);
    return it == m_replies.end() ? Reply{} : it->second;
  }

  // The documents wrapper's parts: sh -c SCRIPT virtplan-virsh virsh ..., the
  // documents a tar archive on stdin (ustar: a 512-byte header with the size
  // in octal at 124, then the content padded to 512).
  static bool cut_documents(const Command& command, std::vector<std::string>& argv,
                            std::vector<std::string>& documents) {
    const auto& a = command.argv;
    if (a.size() < 4 || a[0] != "sh" || a[1] != "-c" || a[3] != "virtplan-virsh") return false;
    const std::string archive = command.stdin_data.value_or("");
    for (std::size_t at = 0; at + 512 <= archive.size() && archive[at] != '\0';) {
      const std::size_t size = std::stoul(archive.substr(at + 124, 11), nullptr, 8);
      documents.push_back(archive.substr(at + 512, size));
      at += 512 + (size + 511) / 512 * 512;
    }
    argv.assign(a.begin() + 4, a.end());
    return true;
  }

  Result<CommandOutput> answer(const Command& command) {
    if (m_on_process) m_on_process(command);
    std::lock_guard lock(m_mutex);
    std::vector<std::string> argv;
    std::vector<std::string> documents;
    if (const auto& a = command.argv; a.size() > 4 && a[0] == "sh" && a[3] == "virtplan-virsh-private") {
      Command inner = command;  // run_secret's private history script: its virsh, with stdin
      inner.argv.assign(a.begin() + 4, a.end());
      return answer_virsh(inner, documents);
    }
    if (cut_documents(command, argv, documents)) {
      Command inner = command;
      inner.argv = std::move(argv);
      inner.stdin_data.reset();
      return answer_virsh(inner, documents);
    }
    return answer_virsh(command, documents);
  }

  Result<CommandOutput> answer_virsh(const Command& command, const std::vector<std::string>& documents) {
    if (command.argv.empty() || command.argv[0] != "virsh") {
      m_ran.push_back("! " + virsh_join(command.argv));
      auto it = command.argv.empty() ? m_other.end() : m_other.find(command.argv[0]);
      return it == m_other.end() ? CommandOutput{} : it->second;
    }
    std::vector<std::string> words(command.argv.begin() + 4, command.argv.end());  // after virsh -q -c URI
    if (words.empty() && command.stdin_data) return answer_interactive(*command.stdin_data);
    if (words.size() == 1 && words[0].starts_with("echo --err vpmark")) {
      std::vector<std::string> markers;
      auto lines = split_batch(words[0], markers);
      CommandOutput output;
      for (std::size_t i = 0; i < markers.size(); ++i) {
        output.out += markers[i];
        output.err += "error: " + markers[i] + "\n";
        if (i < lines.size()) {
          if (auto document = restore_stdin(lines[i])) m_stdin[lines[i]] = documents.at(*document);
          Reply reply = reply_to(lines[i]);
          output.out += reply.out;
          output.err += reply.err;
        }
      }
      return output;
    }
    std::string line = virsh_join(words);
    if (command.stdin_data) m_stdin[line] = *command.stdin_data;
    Reply reply = reply_to(line);
    return CommandOutput{reply.err.empty() ? 0 : 1, reply.out, reply.err};
  }

  // A virsh with no command reads its commands from stdin, a line each
  // (VirshRunner::run_secret), and exits 0 whatever they did.
  Result<CommandOutput> answer_interactive(const std::string& input) {
    CommandOutput output;
    std::size_t start = 0;
    while (start < input.size()) {
      std::size_t end = input.find('\n', start);
      if (end == std::string::npos) end = input.size();
      std::string line = input.substr(start, end - start);
      m_interactive.push_back(line);
      Reply reply = reply_to(line);
      output.out += reply.out;
      output.err += reply.err;
      start = end + 1;
    }
    return output;
  }

  static HostConfig named(const std::string& name) {
    HostConfig config;
    config.name = name;
    return config;
  }

  FakeTransport m_fake{"lab1"};
  HostSession m_session;
  std::map<std::string, Reply> m_replies;
  std::vector<std::string> m_interactive;
  std::map<std::string, std::deque<Reply>> m_queued;
  std::map<std::string, CommandOutput> m_other;
  std::vector<std::string> m_ran;
  std::map<std::string, std::string> m_stdin;
  std::function<void(const Command&)> m_on_process;
  std::mutex m_mutex;
};

}  // namespace virtplan::providers::test

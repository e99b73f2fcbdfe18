#include "providers/virsh/runner.h"

#include "providers/base/random_nonce.h"
#include "providers/base/tar_archive.h"
#include "providers/virsh/list_dump_reading.h"
#include "providers/virsh/quote.h"
#include "providers/virsh/shared_virsh.h"
#include "providers/virsh/shell.h"
#include "providers/virsh/virsh_error.h"

#include <fmt/format.h>

#include <algorithm>

// How a batch is attributed. For commands c0..cn-1 the one virsh argument is
//
//   echo --err M0 ; echo M0 ; c0 ; echo --err M1 ; echo M1 ; c1 ; ... ;
//   echo --err Mn ; echo Mn
//
// where Mi is a marker made of a random per-batch nonce and i. Under -q,
// `echo` prints its word with no newline and commands print nothing extra, so
// stdout is "M0<out0>M1<out1>...Mn": the text between Mi and Mi+1 is exactly
// ci's output, whatever ci printed. `echo --err` writes "error: Mi\n" on
// stderr, so stderr is split the same way, independently of stdout: the two
// pipes' relative order does not matter. A command failed when its stderr
// section holds "error: " lines (virsh's exit status is only the last
// command's). The nonce is random so no object's XML can forge a marker.
// A missing marker means virsh stopped early; the commands from there on fail.
//
// Documents (batch_calls): virsh has one standard input, so a batch cannot
// give each command its own. The documents go on stdin as one tar archive
// (TarArchive); a fixed sh script (k_documents_script) unpacks it into a
// private temporary directory, runs virsh there, and removes the directory
// when virsh ends. Each command names its file ("vpdoc3") where it would
// have said /dev/stdin. The file names are ours: nothing from a user reaches
// the script or tar.

namespace virtplan::providers {
namespace {

// Below Linux's limit of 128 KiB for one argument, with room for quoting
// added by a transport that crosses a shell.
constexpr std::size_t k_max_batch_bytes = 64 * 1024;

constexpr std::string_view k_documents_script =
    R"sh(set -e; d=$(mktemp -d "${TMPDIR:-/tmp}/virtplan-virsh.XXXXXXXX"); trap 'rm -rf -- "$d"' EXIT; )sh"
    R"sh(tar -x --no-same-owner -C "$d" -f -; cd -- "$d"; set +e; "$@")sh";

// An interactive virsh (run_secret) adds every line it reads to its readline
// history and writes that to ~/.cache/libvirt/virsh/history on exit: it
// keeps it in a private directory removed with it, as the shared shells'
// virsh does (virsh_shell.cc), and no host readline bindings act on it.
constexpr std::string_view k_private_history_script =
    R"sh(d=$(mktemp -d "${TMPDIR:-/tmp}/virtplan-virsh.XXXXXXXX") || exit 125; trap 'rm -rf -- "$d"' EXIT; )sh"
    R"sh(XDG_CACHE_HOME="$d" INPUTRC=/dev/null "$@")sh";

// `argv` (a virsh command line, maybe behind sudo) run as the last words of
// `script`, named `name`: the script runs as whoever virsh would have run as.
std::vector<std::string> behind_script(const std::vector<std::string>& argv, std::string_view script,
                                       std::string_view name) {
  auto virsh = std::find(argv.begin(), argv.end(), "virsh");
  std::vector<std::string> out(argv.begin(), virsh);
  out.insert(out.end(), {"sh", "-c", std::string(script), std::string(name)});
  out.insert(out.end(), virsh, argv.end());
  return out;
}

// What `command` (one virsh command line) printed, or its failure as virsh
// reported it, `where` first.
Result<std::string> output_of(Transport& transport, const Command& command, const std::string& where) {
  auto output = transport.run(command);
  if (!output) {
    return fail(output.error());
  }
  if (output->exit_status != 0) {
    return fail(virsh_error(where, output->err, output->exit_status));
  }
  return std::move(output->out);
}

struct Markers {
  std::string nonce = random_nonce();
  std::string out(std::size_t i) const { return fmt::format("vpmark{}n{}e", nonce, i); }
  std::string err(std::size_t i) const { return fmt::format("error: {}\n", out(i)); }
};

// The words of a call as the batch runs it: /dev/stdin becomes the file its
// document is unpacked to.
std::vector<std::string> batch_words(const VirshCall& call, std::size_t document) {
  std::vector<std::string> words = call.args;
  if (call.document)
    std::replace(words.begin(), words.end(), std::string("/dev/stdin"), fmt::format("vpdoc{}", document));
  return words;
}

std::string batch_script(const std::vector<const VirshCall*>& calls, const Markers& markers) {
  std::string script;
  std::size_t documents = 0;
  for (std::size_t i = 0; i <= calls.size(); ++i) {
    script += fmt::format("echo --err {0} ; echo {0}", markers.out(i));
    if (i < calls.size()) {
      script += " ; " + virsh_join(batch_words(*calls[i], documents)) + " ; ";
      if (calls[i]->document) ++documents;
    }
  }
  return script;
}

// The sections of `text` between consecutive markers 0..count; nullopt for
// each section whose closing marker is missing.
std::vector<std::optional<std::string>> split_sections(const std::string& text, std::size_t count,
                                                       auto marker) {
  std::vector<std::optional<std::string>> sections(count);
  std::string first = marker(0);
  auto start = text.find(first);
  if (start == std::string::npos) {
    return sections;
  }
  start += first.size();
  for (std::size_t i = 0; i < count; ++i) {
    std::string next = marker(i + 1);
    auto end = text.find(next, start);
    if (end == std::string::npos) {
      break;
    }
    sections[i] = text.substr(start, end - start);
    start = end + next.size();
  }
  return sections;
}

// Groups consecutive commands so each group's script stays under the limit.
std::vector<std::vector<const VirshCall*>> chunk(const std::vector<const VirshCall*>& commands) {
  std::vector<std::vector<const VirshCall*>> groups(1);
  std::size_t size = 0;
  for (const auto* command : commands) {
    // The command plus its share of markers (a document goes on stdin).
    std::size_t cost = virsh_join(command->args).size() + 120;
    if (!groups.back().empty() && size + cost > k_max_batch_bytes) {
      groups.emplace_back();
      size = 0;
    }
    groups.back().push_back(command);
    size += cost;
  }
  return groups;
}

}  // namespace

VirshRunner::VirshRunner(Transport& transport, std::string uri, Become become)
    : m_transport(transport), m_uri(std::move(uri)), m_become(become) {}

VirshRunner::VirshRunner(Transport& transport, std::string uri, Become become, SharedVirsh* shared)
    : m_transport(transport), m_uri(std::move(uri)), m_become(become), m_shared(shared) {}

std::vector<std::string> VirshRunner::base_argv() const {
  std::vector<std::string> argv;
  if (m_become == Become::sudo) {
    argv = {"sudo", "-n"};
  }
  argv.insert(argv.end(), {"virsh", "-q", "-c", m_uri});
  return argv;
}

std::string VirshRunner::context(const std::vector<std::string>& args) const {
  return fmt::format("{}: virsh {}", m_transport.host_name(), args.empty() ? "" : args[0]);
}

Result<std::string> VirshRunner::run(std::vector<std::string> args,
                                     std::optional<std::string> stdin_data) const {
  return run_call(VirshCall{std::move(args), std::move(stdin_data)});
}

Result<std::string> VirshRunner::run_quick(std::vector<std::string> args) const {
  return run_call(VirshCall{std::move(args), std::nullopt, true});
}

Result<std::string> VirshRunner::run_aside(std::vector<std::string> args) const {
  return run_call(
      VirshCall{.args = std::move(args), .document = std::nullopt, .quick = false, .aside = true});
}

Result<std::string> VirshRunner::run_call(VirshCall call) const {
  return confirm_absence(send(std::move(call)));
}

Result<std::string> VirshRunner::send(VirshCall call) const {
  if (m_shared != nullptr && m_shared->takes(call)) return m_shared->run(std::move(call), m_timeout);
  return run_alone(std::move(call.args), std::move(call.document));
}

Result<std::string> VirshRunner::confirm_absence(Result<std::string> result) const {
  if (result) return result;
  const auto name = bare_domain_lookup_failure(result.error());
  if (!name) return result;
  auto listed = send(VirshCall{{"list", "--all", "--name"}, std::nullopt, true});
  if (!listed) {
    return fail(Error(listed.error().code(),
                      fmt::format("{} (whether it is gone is unknown: listing the domains failed too: {})",
                                  result.error().message(), listed.error().message())));
  }
  if (parse_name_list(*listed).contains(*name)) {
    return fail(Error(ErrorCode::other, fmt::format("{}, though libvirtd lists it (its connection broke "
                                                    "mid-call?): nothing was done to it",
                                                    result.error().message())));
  }
  return result;
}

Result<std::string> VirshRunner::run_alone(std::vector<std::string> args,
                                           std::optional<std::string> stdin_data) const {
  if (args.empty()) {
    return fail(ErrorCode::invalid, fmt::format("{}: virsh: no command", m_transport.host_name()));
  }
  std::string where = context(args);
  // virsh reads a lone argument as a command string, so quote it for that
  // parser; two or more are taken word for word.
  if (args.size() == 1) {
    args[0] = virsh_quote(args[0]);
  }
  Command command{base_argv(), std::move(stdin_data), m_timeout};
  command.argv.insert(command.argv.end(), std::make_move_iterator(args.begin()),
                      std::make_move_iterator(args.end()));
  return output_of(m_transport, command, where);
}

Result<void> VirshRunner::run_secret(std::vector<std::string> args) const {
  if (args.empty()) {
    return fail(ErrorCode::invalid, fmt::format("{}: virsh: no command", m_transport.host_name()));
  }
  std::string where = context(args);
  VirshCall call{std::move(args), std::nullopt};
  if (!VirshShell::takes(call)) {
    return fail(ErrorCode::invalid, fmt::format("{}: a word is not printable ASCII: it cannot go to virsh on "
                                                "its standard input, and a command line would show it",
                                                where));
  }
  Command command{behind_script(base_argv(), k_private_history_script, "virtplan-virsh-private"),
                  virsh_join(call.args) + "\n", m_timeout};
  auto output = m_transport.run(command);
  if (!output) {
    return fail(output.error());
  }
  // Interactive virsh exits 0 whatever its commands did: failures are its
  // "error: " lines on stderr.
  if (output->exit_status != 0 || output->err.find("error: ") != std::string::npos) {
    return fail(virsh_error(where, output->err, output->exit_status != 0 ? output->exit_status : 1));
  }
  return {};
}

Result<std::string> VirshRunner::run_with_file(std::vector<std::string> args, const std::string& path,
                                               std::function<void(std::uint64_t)> progress,
                                               std::chrono::milliseconds timeout) const {
  if (args.size() < 2) {
    return fail(ErrorCode::invalid,
                fmt::format("{}: virsh: a streamed command needs arguments", m_transport.host_name()));
  }
  std::string where = context(args);
  Command command{base_argv(), std::nullopt, timeout};
  command.argv.insert(command.argv.end(), std::make_move_iterator(args.begin()),
                      std::make_move_iterator(args.end()));
  command.stdin_file = path;
  command.stdin_progress = std::move(progress);
  return output_of(m_transport, command, where);
}

std::vector<Result<std::string>> VirshRunner::batch(
    const std::vector<std::vector<std::string>>& commands) const {
  std::vector<VirshCall> calls;
  calls.reserve(commands.size());
  for (const auto& command : commands) calls.push_back(VirshCall{command, std::nullopt});
  return batch_calls(calls);
}

std::vector<Result<std::string>> VirshRunner::batch_calls(const std::vector<VirshCall>& commands) const {
  if (m_shared != nullptr) {
    if (auto shared = m_shared->run_all(commands, m_timeout)) return std::move(*shared);
  }
  std::vector<Result<std::string>> results;
  std::vector<const VirshCall*> runnable;
  for (const auto& command : commands) {
    if (!command.args.empty()) {
      runnable.push_back(&command);
    }
  }
  std::vector<Result<std::string>> ran;
  for (const auto& group : chunk(runnable)) {
    if (group.empty()) {
      continue;
    }
    auto group_results = run_batch(group);
    std::move(group_results.begin(), group_results.end(), std::back_inserter(ran));
  }
  // Put the empty commands' errors back in their places.
  std::size_t next = 0;
  for (const auto& command : commands) {
    if (command.args.empty()) {
      results.push_back(
          fail(ErrorCode::invalid, fmt::format("{}: virsh: no command", m_transport.host_name())));
    } else {
      results.push_back(std::move(ran[next++]));
    }
  }
  return results;
}

std::vector<Result<std::string>> VirshRunner::run_batch(const std::vector<const VirshCall*>& commands) const {
  Markers markers;
  Command command{base_argv(), std::nullopt, m_timeout};
  command.argv.push_back(batch_script(commands, markers));
  TarArchive documents;
  std::size_t count = 0;
  for (const VirshCall* call : commands) {
    if (call->document) documents.add(fmt::format("vpdoc{}", count++), *call->document);
  }
  if (count > 0) {
    command.argv = behind_script(command.argv, k_documents_script, "virtplan-virsh");
    command.stdin_data = documents.bytes();
  }
  auto output = m_transport.run(command);
  std::vector<Result<std::string>> results;
  if (!output) {
    results.assign(commands.size(), fail(output.error()));
    return results;
  }
  auto outs = split_sections(output->out, commands.size(), [&](auto i) { return markers.out(i); });
  auto errs = split_sections(output->err, commands.size(), [&](auto i) { return markers.err(i); });
  if (!output->out.contains(markers.out(0))) {
    // Nothing ran: virsh refused the whole batch, or could not start.
    Error whole = virsh_error(fmt::format("{}: virsh batch", m_transport.host_name()), output->err,
                              output->exit_status);
    results.assign(commands.size(), fail(whole));
    return results;
  }
  for (std::size_t i = 0; i < commands.size(); ++i) {
    std::string where = context(commands[i]->args);
    if (!outs[i] || !errs[i]) {
      auto said = virsh_error_lines(output->err);
      results.push_back(fail(
          ErrorCode::other, fmt::format("{}: virsh stopped before this command finished "
                                        "(exit status {}){}",
                                        where, output->exit_status, said.empty() ? "" : ": " + said.back())));
    } else if (!virsh_error_lines(*errs[i]).empty()) {
      results.push_back(fail(virsh_error(where, *errs[i], 1)));
    } else {
      results.push_back(std::move(*outs[i]));
    }
  }
  return results;
}

}  // namespace virtplan::providers

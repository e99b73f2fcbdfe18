#include "providers/virsh/shell.h"

#include "providers/host/command_trace.h"
#include "providers/host/shell_quote.h"
#include "providers/virsh/quote.h"
#include "providers/virsh/shared_virsh.h"
#include "providers/virsh/virsh_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace virtplan::providers {
namespace {

// How long the shell may take to start (the stream's exec, not its commands).
constexpr auto k_start_timeout = std::chrono::seconds(30);

// The shell's first lines (see the header). `set -e` until virsh runs: a
// prelude that fails ends the shell before any call started, and those calls
// then run elsewhere. The EXIT trap closes virsh's input, waits for it and
// removes the directory; a signal (the channel closing) goes through it too.
// A virsh that exits on its own (libvirtd killed under it, say) ends the
// shell, so the stream ends and the calls sent to it end with it, at once:
// otherwise the shell would sit waiting for more input and every call sent
// to it would wait for its timeout (minutes). It takes an untrapped USR1 to
// do that: a trapped signal waits until the shell's read of its input
// returns. The virsh's subshell removes the directory first (no EXIT trap
// runs then), whatever virsh's status (`set -e` is still on in the
// subshell); a normal end (virsh seeing its input close) sends USR1 too,
// which the EXIT trap ignores.
// The directory is in TMPDIR when it is set (and no shell starts when it
// cannot be made there), else in /dev/shm (tmpfs) where there is one: each
// document is a new file in it, and on a disk file system a new file cost sh
// ~1 ms of the host's CPU (ext4's inode allocation: 80% of the shells' sh
// time, measured on the lab hosts); else in /tmp.
// INPUTRC=/dev/null: no one's readline bindings act on our commands.
// TERM=dumb: readline echoes each line in horizontal-scroll mode, on one
// line of its own whatever its length (with another TERM a long line may
// wrap), so the first newline after a call's prompt ends its echo.
// XDG_CACHE_HOME: an interactive virsh saves its readline history there on
// exit (libvirt/virsh/history, the last 500 lines); ours goes to the private
// directory, not over the history of whoever uses virsh on the host.
constexpr std::string_view k_prelude = R"sh(set -e
if [ -n "${TMPDIR:-}" ]; then d=$(mktemp -d "$TMPDIR/virtplan-virsh.XXXXXXXX")
else d=$(mktemp -d /dev/shm/virtplan-virsh.XXXXXXXX 2>/dev/null || mktemp -d /tmp/virtplan-virsh.XXXXXXXX); fi
trap 'trap "" USR1; exec 3>&-; wait; rm -rf -- "$d"' EXIT
trap 'exit 1' HUP INT TERM PIPE
cd -- "$d"
mkfifo vpin
{ XDG_CACHE_HOME="$d" INPUTRC=/dev/null TERM=dumb "$@" <vpin || :; rm -rf -- "$d"; kill -USR1 $$; } &
exec 3>vpin
set +e
)sh";

bool printable_ascii(const std::string& word) {
  return std::ranges::all_of(word, [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// The shell's marker: 11 letters and digits from the kernel's generator
// (~65 bits, as many as 16 hex digits in fewer characters: virsh reads each
// one through readline).
std::string random_marker() {
  static constexpr std::string_view k_digits =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, k_digits.size() - 1);
  std::string marker(11, ' ');
  for (char& c : marker) c = k_digits[pick(device)];
  return marker;
}

}  // namespace

Result<std::unique_ptr<VirshShell>> VirshShell::start(Transport& transport, const std::string& uri,
                                                      Become become) {
  std::unique_ptr<VirshShell> shell(new VirshShell(transport.host_name(), random_marker()));
  Command command;
  if (become == Become::sudo) command.argv = {"sudo", "-n"};
  command.argv.insert(command.argv.end(), {"sh", "-s", "virsh", "-q", "-c", uri});
  command.timeout = k_start_timeout;
  VirshShell* raw = shell.get();
  StreamSink sink{[raw](std::string_view text, bool is_stderr) { raw->on_output(text, is_stderr); },
                  [raw](const Result<CommandOutput>& ended) { raw->on_ended(ended); }};
  auto stream = transport.stream(command, std::move(sink));
  if (!stream) return fail(stream.error());
  shell->m_stream = std::move(*stream);
  if (auto written = shell->m_stream->write(std::string(k_prelude)); !written) return fail(written.error());
  return shell;
}

VirshShell::VirshShell(std::string host, std::string marker)
    : m_host(std::move(host)),
      m_marker(std::move(marker)),
      m_err_marker("error: " + m_marker + "\n"),
      m_end_line("echo --err " + m_marker),
      m_end_echo(m_end_line + "\n") {}

// The stream goes first: after it, its sink calls nothing here.
VirshShell::~VirshShell() { m_stream.reset(); }

bool VirshShell::takes(const VirshCall& call) {
  return !call.args.empty() && std::ranges::all_of(call.args, printable_ascii);
}

std::string VirshShell::script_for(const VirshCall& call, std::size_t index) const {
  std::string script;
  std::vector<std::string> words = call.args;
  if (call.document) {
    // A short name ("d7"): virsh reads it through readline, a few system
    // calls a byte, and the shell's directory is its own.
    const std::string file = fmt::format("d{}", index);
    std::replace(words.begin(), words.end(), std::string("/dev/stdin"), file);
    // printf is built into sh: no process per document.
    script += fmt::format("printf '%s' {} > {}\n", shell_quote(*call.document), file);
  }
  // Two lines in one write: the command, then its end marker.
  script += "printf '%s\\n' " + shell_quote(virsh_join(words)) + " " + shell_quote(m_end_line) + " >&3\n";
  return script;
}

VirshShell::Outcome VirshShell::run(const VirshCall& call, std::chrono::milliseconds timeout) {
  return std::move(run_all({call}, timeout).front());
}

// The command's output, from the text before the end line's echo: that ends
// with the end line's prompt, "virsh # ", right after the output (which may
// not end with a newline).
std::string VirshShell::output_before_end_line(std::string_view text) const {
  for (std::string_view prompt : {"virsh # ", "virsh > "}) {
    if (text.ends_with(prompt)) {
      text.remove_suffix(prompt.size());
      break;
    }
  }
  return std::string(text);
}

std::vector<VirshShell::Outcome> VirshShell::run_all(const std::vector<VirshCall>& calls,
                                                     std::chrono::milliseconds timeout) {
  if (calls.empty()) return {};
  std::vector<Pending> mine(calls.size());  // fixed size: m_pending points into it
  {
    std::lock_guard order(m_write_mutex);
    std::string script;
    {
      std::lock_guard lock(m_mutex);
      if (m_broken) return std::vector<Outcome>(calls.size());
      for (std::size_t i = 0; i < calls.size(); ++i) {
        mine[i].where = fmt::format("{}: virsh {}", m_host, calls[i].args.empty() ? "" : calls[i].args[0]);
        mine[i].index = m_next++;
        mine[i].read_only = is_read_only_virsh_call(calls[i]);
        if (command_trace() != nullptr) {
          mine[i].words = calls[i].args;
          mine[i].words.insert(mine[i].words.begin(), "virsh");
          mine[i].sent = std::chrono::steady_clock::now();
        }
        m_pending.push_back(&mine[i]);
        script += script_for(calls[i], mine[i].index);
      }
    }
    if (auto written = m_stream->write(std::move(script)); !written) {
      std::lock_guard lock(m_mutex);
      break_all(written.error());
    }
  }
  std::unique_lock lock(m_mutex);
  // Calls settle in the order they were sent (or all at once when the shell
  // breaks): the last one settled means all are.
  if (!m_changed.wait_for(lock, timeout, [&] { return mine.back().settled; })) {
    break_all(Error(ErrorCode::timeout,
                    fmt::format("no answer from the shared virsh within {} ms", timeout.count())));
  }
  std::vector<Outcome> outcomes;
  outcomes.reserve(mine.size());
  for (Pending& pending : mine) outcomes.push_back(std::move(pending.outcome));
  return outcomes;
}

// One line of the command trace for a call the shell answered: "exit=1"
// when virsh printed an error for it.
void VirshShell::trace(const Pending& call, std::size_t out_bytes, std::size_t err_bytes) const {
  CommandTrace* trace = command_trace();
  if (trace == nullptr || call.words.empty()) return;
  const auto took =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - call.sent);
  trace->record(TracedCommand{
      m_host, "shell", call.words, took, call.outcome && *call.outcome ? 0 : 1, {}, 0, out_bytes, err_bytes});
}

void VirshShell::on_output(std::string_view text, bool is_stderr) {
  std::lock_guard lock(m_mutex);
  (is_stderr ? m_err : m_out).append(text);
  settle_ready();
}

// Settles, in order, every call whose output and errors have both come.
void VirshShell::settle_ready() {
  bool settled_any = false;
  while (!m_pending.empty()) {
    Pending& call = *m_pending.front();
    // The calls before it were settled up to their end line's echo: what
    // follows is this call's prompt and echoed line (never empty, never
    // holding a newline: TERM=dumb); its newline is the call's start. Then
    // the command's output, the end line's prompt and its echo.
    const auto echo_end = m_out.find('\n');
    if (echo_end == std::string::npos) break;
    call.started = true;
    const auto out_from = echo_end + 1;
    const auto out_end = m_out.find(m_end_echo, out_from);
    const auto err_end_at = m_err.find(m_err_marker);
    if (out_end == std::string::npos || err_end_at == std::string::npos) break;
    const std::string out =
        output_before_end_line(std::string_view(m_out).substr(out_from, out_end - out_from));
    // Nothing but virsh's commands writes to stderr (readline echoes to
    // stdout), so all since the last call's end is this call's.
    const std::string err = m_err.substr(0, err_end_at);
    m_out.erase(0, out_end + m_end_echo.size());
    m_err.erase(0, err_end_at + m_err_marker.size());
    if (!virsh_error_lines(err).empty()) {
      call.outcome = fail(virsh_error(call.where, err, 1));
    } else {
      call.outcome = out;
    }
    trace(call, out.size(), err.size());
    call.settled = true;
    m_answered = true;
    m_pending.pop_front();
    settled_any = true;
  }
  if (settled_any) m_changed.notify_all();
}

// The shell is over: nothing more runs in it. A call whose start was seen
// fails; one whose start was not seen may run elsewhere only when that is
// safe (Outcome): it may still have run.
void VirshShell::on_ended(const Result<CommandOutput>& ended) {
  std::lock_guard lock(m_mutex);
  settle_ready();
  auto said = virsh_error_lines(m_err);
  std::string why;
  if (!ended) {
    why = ended.error().message();
  } else {
    why = fmt::format("the host's shared virsh ended (exit status {}){}", ended->exit_status,
                      said.empty() ? "" : ": " + said.back());
  }
  const Error error(ended ? ErrorCode::other : ended.error().code(), why);
  const bool never_ran = ended && !m_answered;
  for (Pending* call : m_pending) {
    if (!call->started && (call->read_only || never_ran)) {
      call->outcome = std::nullopt;
    } else if (!call->started) {
      call->outcome =
          fail(error.code(), fmt::format("{}: may have run, so it is not sent again: the shared virsh "
                                         "ended before answering: {}",
                                         call->where, why));
    } else {
      call->outcome = fail(ErrorCode::other,
                           fmt::format("{}: stopped before this command finished: {}", call->where, why));
    }
    call->settled = true;
  }
  m_pending.clear();
  if (!m_broken) m_broken = error;
  m_changed.notify_all();
}

// Calls still waiting fail with `error`: the shell may still run what it was
// sent, so none of them may run anywhere else.
void VirshShell::break_all(const Error& error) {
  for (Pending* call : m_pending) {
    call->outcome = fail(error.code(), fmt::format("{}: {}", call->where, error.message()));
    call->settled = true;
  }
  m_pending.clear();
  if (!m_broken) m_broken = error;
  m_changed.notify_all();
}

std::size_t VirshShell::queued() const {
  std::lock_guard lock(m_mutex);
  return m_pending.size();
}

bool VirshShell::broken() const {
  std::lock_guard lock(m_mutex);
  return m_broken.has_value();
}

bool VirshShell::answered() const {
  std::lock_guard lock(m_mutex);
  return m_answered;
}

}  // namespace virtplan::providers

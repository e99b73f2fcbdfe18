#include "providers/host/local_transport.h"

#include "providers/host/shell_quote.h"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace virtplan::providers {
namespace {

using Clock = std::chrono::steady_clock;

const std::string k_host_name = "local";
constexpr std::size_t k_chunk = 64 * 1024;
constexpr std::size_t k_max_name = 120;

// The command as messages show it: quoted like a shell line, cut if long.
std::string describe(const Command& command) {
  std::string line = shell_join(command.argv);
  if (line.size() > k_max_name) {
    line = line.substr(0, k_max_name) + "...";
  }
  return line;
}

Error system_error(const Command& command, const char* what, int error) {
  return Error(ErrorCode::other,
               fmt::format("local: {}: {}: {}", describe(command), what, std::strerror(error)));
}

// An owned file descriptor, closed when it goes out of scope.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset();
    m_fd = std::exchange(other.m_fd, -1);
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return m_fd; }
  bool open() const { return m_fd >= 0; }
  void reset() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = -1;
  }

private:
  int m_fd = -1;
};

// One pipe; both ends close-on-exec, so no other thread's child inherits them.
struct Pipe {
  Fd read;
  Fd write;
};

Result<Pipe> make_pipe(const Command& command) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return fail(system_error(command, "pipe", errno));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// The spawn attributes: own process group (so a timeout kills the child's
// children too), default signal dispositions and an empty signal mask (ours
// ignores SIGPIPE; the child must not inherit that).
class SpawnSetup {
public:
  SpawnSetup() {
    posix_spawnattr_init(&m_attr);
    posix_spawn_file_actions_init(&m_actions);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigdefault(&m_attr, &defaults);
    posix_spawnattr_setsigmask(&m_attr, &empty);
    posix_spawnattr_setpgroup(&m_attr, 0);
    posix_spawnattr_setflags(&m_attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&m_actions);
    posix_spawnattr_destroy(&m_attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // The child's fds 0, 1, 2 and nothing else, whatever other threads opened
  // without O_CLOEXEC.
  void connect(int in, int out, int err) {
    posix_spawn_file_actions_adddup2(&m_actions, in, 0);
    posix_spawn_file_actions_adddup2(&m_actions, out, 1);
    posix_spawn_file_actions_adddup2(&m_actions, err, 2);
    posix_spawn_file_actions_addclosefrom_np(&m_actions, 3);
  }

  int spawn(pid_t* pid, const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& arg : argv) {
      args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    return posix_spawnp(pid, args[0], &m_actions, &m_attr, args.data(), environ);
  }

private:
  posix_spawnattr_t m_attr;
  posix_spawn_file_actions_t m_actions;
};

void read_into_string(Fd& fd, std::string& sink) {
  char buffer[k_chunk];
  ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
  if (n > 0) {
    sink.append(buffer, static_cast<std::size_t>(n));
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    fd.reset();
  }
}

// Moves bytes between us and the child until it closes stdout and stderr:
// writing stdin while reading both outputs, so that no side waits on a full
// pipe. Returns false when the deadline passed first.
class PipePump {
public:
  PipePump(Fd in, Fd out, Fd err, std::string_view input)
      : m_in(std::move(in)), m_out(std::move(out)), m_err(std::move(err)), m_input(input) {
    for (const Fd* fd : {&m_in, &m_out, &m_err}) {
      if (fd->open()) {
        set_nonblocking(fd->get());
      }
    }
    if (m_input.empty()) {
      m_in.reset();
    }
  }

  bool run(Clock::time_point deadline, CommandOutput& output) {
    while (m_out.open() || m_err.open()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        return false;
      }
      pollfd fds[3] = {{m_in.get(), POLLOUT, 0}, {m_out.get(), POLLIN, 0}, {m_err.get(), POLLIN, 0}};
      // poll() skips negative fds, so closed streams simply drop out.
      int ready = ::poll(fds, 3, static_cast<int>(std::min<long>(left.count(), 1000)));
      if (ready < 0 && errno != EINTR) {
        return false;
      }
      if (ready <= 0) {
        continue;
      }
      if (fds[0].revents != 0) {
        write_input();
      }
      if (fds[1].revents != 0) {
        read_into(m_out, output.out);
      }
      if (fds[2].revents != 0) {
        read_into(m_err, output.err);
      }
    }
    return true;
  }

private:
  void write_input() {
    ssize_t n = ::write(m_in.get(), m_input.data(), std::min(m_input.size(), k_chunk));
    if (n > 0) {
      m_input.remove_prefix(static_cast<std::size_t>(n));
    }
    // EPIPE: the child closed its stdin without reading everything; that is
    // its business, and its exit status will say whether it minded.
    if (m_input.empty() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      m_in.reset();
    }
  }

  static void read_into(Fd& fd, std::string& sink) { read_into_string(fd, sink); }

  Fd m_in;
  Fd m_out;
  Fd m_err;
  std::string_view m_input;
};

// Waits for the child to exit, until the deadline; nullopt if it did not.
std::optional<int> wait_until(pid_t pid, Clock::time_point deadline) {
  auto pause = std::chrono::microseconds(100);
  while (true) {
    int status = 0;
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) {
      return status;
    }
    if (Clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
}

void kill_group(pid_t pid) {
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

int exit_status(const Command& command, int status, std::string& err) {
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    const char* name = sigabbrev_np(signal);
    err += fmt::format("local: {}: killed by signal {} (SIG{})\n", describe(command), signal,
                       name != nullptr ? name : "?");
    return 128 + signal;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

Error timeout_error(const Command& command) {
  return Error(ErrorCode::timeout,
               fmt::format("local: {}: timed out after {} ms", describe(command), command.timeout.count()));
}

// A held command's stdin is always the pipe: its end is the signal to stop.
Result<pid_t> spawn(const Command& command, Pipe& in, Pipe& out, Pipe& err, bool keep_stdin = false) {
  SpawnSetup setup;
  Fd own_input;
  if (!keep_stdin && command.stdin_file) {
    // The child reads the file itself: nothing of it passes through us.
    own_input = Fd(::open(command.stdin_file->c_str(), O_RDONLY | O_CLOEXEC));
    if (!own_input.open()) {
      return fail(ErrorCode::not_found, fmt::format("local: cannot read {} for {}: {}", *command.stdin_file,
                                                    describe(command), std::strerror(errno)));
    }
  } else if (!keep_stdin && (!command.stdin_data || command.stdin_data->empty())) {
    own_input = Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  }
  setup.connect(own_input.open() ? own_input.get() : in.read.get(), out.write.get(), err.write.get());
  pid_t pid = 0;
  int error = setup.spawn(&pid, command.argv);
  if (error == ENOENT) {
    return fail(ErrorCode::not_found,
                fmt::format("local: cannot run {}: no such program", shell_quote(command.argv[0])));
  }
  if (error != 0) {
    return fail(system_error(command, "cannot run", error));
  }
  return pid;
}

// A started child and our ends of its pipes. Our copies of the child's ends
// are closed, so EOF arrives when the child is done.
struct Child {
  pid_t pid;
  Fd in;  // closed unless the child reads stdin from us
  Fd out;
  Fd err;
};

Result<Child> start_child(const Command& command, bool keep_stdin) {
  auto in = make_pipe(command);
  auto out = make_pipe(command);
  auto err = make_pipe(command);
  if (!in || !out || !err) {
    return fail(!in ? in.error() : !out ? out.error() : err.error());
  }
  auto pid = spawn(command, *in, *out, *err, keep_stdin);
  if (!pid) {
    return fail(pid.error());
  }
  return Child{*pid, std::move(in->write), std::move(out->read), std::move(err->read)};
}

// Reads the child's stdout and stderr until stdout holds `ready_line` as a
// whole line (true), both are closed, or the deadline passed (false for both).
bool read_until_line(Fd& out, Fd& err, std::string_view ready_line, Clock::time_point deadline,
                     CommandOutput& output) {
  const std::string wanted = std::string(ready_line) + "\n";
  set_nonblocking(out.get());
  set_nonblocking(err.get());
  while (out.open() || err.open()) {
    if (output.out.starts_with(wanted) || output.out.find("\n" + wanted) != std::string::npos) {
      return true;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd fds[2] = {{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}};
    int ready = ::poll(fds, 2, static_cast<int>(std::min<long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      return false;
    }
    if (ready <= 0) {
      continue;
    }
    if (fds[0].revents != 0) {
      read_into_string(out, output.out);
    }
    if (fds[1].revents != 0) {
      read_into_string(err, output.err);
    }
  }
  return output.out.starts_with(wanted) || output.out.find("\n" + wanted) != std::string::npos;
}

// The held child: our end of its stdin, and its pid to reap; a thread
// writes the heartbeat (Transport::hold) to that stdin.
class LocalHeldCommand : public HeldCommand {
public:
  LocalHeldCommand(pid_t pid, Fd stdin_end) : m_pid(pid), m_stdin(std::move(stdin_end)) {
    m_heartbeat = std::jthread([this](std::stop_token stop) { beat(stop); });
  }

  // Closing stdin asks the command to end; one that does not within a few
  // seconds is killed with its process group, so nothing it held survives us.
  ~LocalHeldCommand() override {
    m_heartbeat = {};
    std::lock_guard lock(m_mutex);
    m_stdin.reset();
    if (m_ended) {
      return;
    }
    if (!wait_until(m_pid, Clock::now() + k_release_wait)) {
      kill_group(m_pid);
    }
  }

  bool running() const override {
    std::lock_guard lock(m_mutex);
    if (!m_ended) {
      int status = 0;
      m_ended = ::waitpid(m_pid, &status, WNOHANG) != 0;
    }
    return !m_ended;
  }

private:
  // SIGPIPE is ignored (see run()): a write to a command gone just fails.
  void beat(std::stop_token stop) {
    std::mutex idle;
    std::unique_lock lock(idle);
    std::condition_variable_any never;
    while (true) {
      never.wait_for(lock, stop, k_hold_heartbeat, [] { return false; });
      if (stop.stop_requested()) return;
      std::lock_guard guard(m_mutex);
      if (m_stdin.open()) [[maybe_unused]]
        auto sent = ::write(m_stdin.get(), &k_hold_heartbeat_byte, 1);
    }
  }

  static constexpr auto k_release_wait = std::chrono::seconds(5);
  const pid_t m_pid;
  mutable std::mutex m_mutex;
  mutable bool m_ended = false;
  Fd m_stdin;
  std::jthread m_heartbeat;  // last: it uses the members above
};

// A streamed child: our end of its stdin, and a thread that hands what it
// prints to the sink, reaps it and says how it ended.
class LocalStream : public CommandStream {
public:
  LocalStream(pid_t pid, Fd stdin_end, Fd out, Fd err, StreamSink sink)
      : m_pid(pid), m_stdin(std::move(stdin_end)), m_sink(std::move(sink)) {
    m_reader = std::thread([this, out = std::move(out), err = std::move(err)]() mutable { pump(out, err); });
  }

  // Closing stdin asks the command to end; one that has not within a few
  // seconds is killed with its process group. The reader then stops, and
  // with it every call to the sink.
  ~LocalStream() override {
    {
      std::lock_guard lock(m_write_mutex);
      m_stdin.reset();
    }
    {
      std::unique_lock lock(m_done_mutex);
      if (!m_done_changed.wait_for(lock, k_release_wait, [this] { return m_done; })) ::kill(-m_pid, SIGKILL);
    }
    m_reader.join();
  }

  Result<void> write(std::string data) override {
    std::lock_guard lock(m_write_mutex);
    std::string_view rest = data;
    while (!rest.empty() && m_stdin.open()) {
      const ssize_t n = ::write(m_stdin.get(), rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        m_stdin.reset();  // EPIPE: the command is gone
      else
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (!rest.empty() || !m_stdin.open())
      return fail(ErrorCode::transport, "local: the streamed command has ended");
    return {};
  }

private:
  static constexpr auto k_release_wait = std::chrono::seconds(5);

  void pump(Fd& out, Fd& err) {
    std::string piece;
    while (out.open() || err.open()) {
      pollfd fds[2] = {{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].revents == 0) continue;
        piece.clear();
        read_into_string(i == 0 ? out : err, piece);
        if (!piece.empty() && m_sink.output) m_sink.output(piece, i == 1);
      }
    }
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    CommandOutput ended;
    ended.exit_status =
        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 127);
    if (m_sink.ended) m_sink.ended(ended);
    std::lock_guard lock(m_done_mutex);
    m_done = true;
    m_done_changed.notify_all();
  }

  const pid_t m_pid;
  std::mutex m_write_mutex;
  Fd m_stdin;
  StreamSink m_sink;
  std::mutex m_done_mutex;
  std::condition_variable m_done_changed;
  bool m_done = false;
  std::thread m_reader;  // last: it starts once everything above exists
};

}  // namespace

LocalTransport::LocalTransport() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

const std::string& LocalTransport::host_name() const { return k_host_name; }

Result<CommandOutput> LocalTransport::run(const Command& command) {
  if (command.argv.empty()) {
    return fail(ErrorCode::invalid, "local: empty command");
  }
  auto deadline = Clock::now() + command.timeout;
  auto child = start_child(command, false);
  if (!child) {
    return fail(child.error());
  }
  CommandOutput output;
  // A temporary: our stdin end closes before we wait, whatever the child did.
  bool drained = PipePump(std::move(child->in), std::move(child->out), std::move(child->err),
                          command.stdin_data ? std::string_view(*command.stdin_data) : std::string_view())
                     .run(deadline, output);
  std::optional<int> status;
  if (drained) {
    status = wait_until(child->pid, deadline);
  }
  if (!status) {
    kill_group(child->pid);
    return fail(timeout_error(command));
  }
  output.exit_status = exit_status(command, *status, output.err);
  return output;
}

}  // namespace virtplan::providers

namespace virtplan::providers {

Result<HoldOutcome> LocalTransport::hold(const Command& command, std::string_view ready_line) {
  if (command.argv.empty()) {
    return fail(ErrorCode::invalid, "local: empty command");
  }
  auto deadline = Clock::now() + command.timeout;
  auto child = start_child(command, true);
  if (!child) {
    return fail(child.error());
  }
  HoldOutcome outcome;
  if (read_until_line(child->out, child->err, ready_line, deadline, outcome.ended)) {
    // Our read ends close: the command is not expected to say more, and a
    // write it makes now fails rather than filling a pipe nobody reads.
    outcome.held = std::make_unique<LocalHeldCommand>(child->pid, std::move(child->in));
    outcome.ended = {};
    return outcome;
  }
  child->in.reset();
  std::optional<int> status;
  if (!child->out.open() && !child->err.open()) {
    status = wait_until(child->pid, deadline);
  }
  if (!status) {
    kill_group(child->pid);
    return fail(timeout_error(command));
  }
  outcome.ended.exit_status = exit_status(command, *status, outcome.ended.err);
  return outcome;
}

}  // namespace virtplan::providers

namespace virtplan::providers {

Result<std::unique_ptr<CommandStream>> LocalTransport::stream(const Command& command, StreamSink sink) {
  if (command.argv.empty()) {
    return fail(ErrorCode::invalid, "local: empty command");
  }
  auto child = start_child(command, true);
  if (!child) {
    return fail(child.error());
  }
  set_nonblocking(child->out.get());
  set_nonblocking(child->err.get());
  return std::unique_ptr<CommandStream>(std::make_unique<LocalStream>(
      child->pid, std::move(child->in), std::move(child->out), std::move(child->err), std::move(sink)));
}

}  // namespace virtplan::providers

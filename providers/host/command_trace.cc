#include "providers/host/command_trace.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <string_view>

namespace virtplan::providers {
namespace {

using Clock = std::chrono::steady_clock;

// Options whose value is a secret, and `key=value` words whose key names one.
constexpr std::array<std::string_view, 4> k_secret_options = {"--passwd", "--password", "--secret-value",
                                                              "--base64"};
constexpr std::array<std::string_view, 4> k_secret_keys = {"passwd=", "password=", "secret=", "token="};
// A batch of a few hundred commands is one line; past this much of it the
// line says how much more there was.
constexpr std::size_t k_max_command_text = 4000;

std::string masked_word(const std::string& word) {
  for (std::string_view key : k_secret_keys) {
    if (auto at = word.find(key); at != std::string::npos) return word.substr(0, at + key.size()) + "***";
  }
  return word;
}

// A command's words on one line: control characters (the newlines of a
// script given to sh -c) escaped.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

std::string command_text(const std::vector<std::string>& argv) {
  std::string text = one_line(fmt::format("{}", fmt::join(masked_words(argv), " ")));
  if (text.size() <= k_max_command_text) return text;
  const std::size_t more = text.size() - k_max_command_text;
  text.resize(k_max_command_text);
  return fmt::format("{} ... ({} more bytes)", text, more);
}

std::string outcome_text(const TracedCommand& command) {
  if (command.exit_status) return fmt::format("exit={}", *command.exit_status);
  if (command.error.empty()) return "held";
  return fmt::format("failed ({})", command.error);
}

std::size_t stdin_size(const Command& command) { return command.stdin_data ? command.stdin_data->size() : 0; }

std::chrono::microseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
}

std::mutex g_trace_mutex;
std::shared_ptr<CommandTrace> g_trace;

// What a streamed command sent and received, counted while it runs.
struct StreamCount {
  std::atomic<std::size_t> in{0}, out{0}, err{0};
};

// A CommandStream that counts what is written to it.
class CountedStream final : public CommandStream {
public:
  CountedStream(std::unique_ptr<CommandStream> inner, std::shared_ptr<StreamCount> count)
      : m_inner(std::move(inner)), m_count(std::move(count)) {}
  Result<void> write(std::string data) override {
    m_count->in += data.size();
    return m_inner->write(std::move(data));
  }

private:
  std::unique_ptr<CommandStream> m_inner;
  std::shared_ptr<StreamCount> m_count;
};

}  // namespace

std::vector<std::string> masked_words(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  bool secret_next = false;
  for (const std::string& word : argv) {
    out.push_back(secret_next ? "***" : masked_word(word));
    secret_next = std::find(k_secret_options.begin(), k_secret_options.end(), word) != k_secret_options.end();
  }
  return out;
}

std::string trace_line(const TracedCommand& command) {
  const auto ms = std::chrono::duration<double, std::milli>(command.took).count();
  std::string sizes = command.kind == "shell" ? "" : fmt::format("in={}B ", command.in_bytes);
  sizes += fmt::format("out={}B err={}B", command.out_bytes, command.err_bytes);
  return fmt::format("{} {} {:.0f}ms {} {}: {}", command.host, command.kind, ms, outcome_text(command), sizes,
                     command_text(command.argv));
}

Result<std::unique_ptr<CommandTraceFile>> CommandTraceFile::open(const std::string& path) {
  std::FILE* stream = std::fopen(path.c_str(), "a");
  if (stream == nullptr)
    return fail(ErrorCode::other, fmt::format("--log-file {}: cannot open it for writing", path));
  return std::make_unique<CommandTraceFile>(stream, true);
}

CommandTraceFile::~CommandTraceFile() {
  if (m_owned) std::fclose(m_stream);
}

void CommandTraceFile::record(const TracedCommand& command) {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - seconds).count();
  const std::string line = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z {}\n", seconds, ms, trace_line(command));
  std::lock_guard lock(m_mutex);
  std::fputs(line.c_str(), m_stream);
  std::fflush(m_stream);
}

CommandTrace* command_trace() {
  std::lock_guard lock(g_trace_mutex);
  return g_trace.get();
}

void set_command_trace(std::shared_ptr<CommandTrace> trace) {
  std::lock_guard lock(g_trace_mutex);
  g_trace = std::move(trace);
}

Result<void> configure_command_trace(const std::optional<std::string>& log_file) {
  if (log_file) {
    auto file = CommandTraceFile::open(*log_file);
    if (!file) return fail(file.error());
    set_command_trace(std::move(*file));
    return {};
  }
  const char* level = std::getenv("VIRTPLAN_LOG");
  if (level == nullptr) return {};
  if (std::string_view(level) != "debug") {
    return fail(ErrorCode::invalid, fmt::format("VIRTPLAN_LOG={}: expected debug (or unset)", level));
  }
  set_command_trace(std::make_shared<CommandTraceFile>(stderr));
  return {};
}

TracingTransport::TracingTransport(std::unique_ptr<Transport> inner, CommandTrace& trace)
    : m_inner(std::move(inner)), m_trace(trace) {}

Result<CommandOutput> TracingTransport::run(const Command& command) {
  const auto start = Clock::now();
  auto ran = m_inner->run(command);
  TracedCommand traced{host_name(), "run", command.argv, since(start), {}, {}, stdin_size(command), 0, 0};
  if (ran) {
    traced.exit_status = ran->exit_status;
    traced.out_bytes = ran->out.size();
    traced.err_bytes = ran->err.size();
  } else {
    traced.error = ran.error().message();
  }
  m_trace.record(traced);
  return ran;
}

Result<HoldOutcome> TracingTransport::hold(const Command& command, std::string_view ready_line) {
  const auto start = Clock::now();
  auto held = m_inner->hold(command, ready_line);
  TracedCommand traced{host_name(), "hold", command.argv, since(start), {}, {}, 0, 0, 0};
  if (!held) {
    traced.error = held.error().message();
  } else if (!held->held) {
    traced.exit_status = held->ended.exit_status;
    traced.out_bytes = held->ended.out.size();
    traced.err_bytes = held->ended.err.size();
  }
  m_trace.record(traced);
  return held;
}

Result<std::unique_ptr<CommandStream>> TracingTransport::stream(const Command& command, StreamSink sink) {
  auto count = std::make_shared<StreamCount>();
  const auto start = Clock::now();
  StreamSink counting;
  counting.output = [count, output = std::move(sink.output)](std::string_view text, bool is_stderr) {
    (is_stderr ? count->err : count->out) += text.size();
    if (output) output(text, is_stderr);
  };
  counting.ended = [this, count, start, argv = command.argv,
                    ended = std::move(sink.ended)](const Result<CommandOutput>& outcome) {
    TracedCommand traced{host_name(), "stream",  argv,       since(start), {},
                         {},          count->in, count->out, count->err};
    if (outcome) {
      traced.exit_status = outcome->exit_status;
    } else {
      traced.error = outcome.error().message();
    }
    m_trace.record(traced);
    if (ended) ended(outcome);
  };
  auto stream = m_inner->stream(command, std::move(counting));
  if (!stream) {
    m_trace.record(TracedCommand{
        host_name(), "stream", command.argv, since(start), {}, stream.error().message(), 0, 0, 0});
    return stream;
  }
  return std::unique_ptr<CommandStream>(std::make_unique<CountedStream>(std::move(*stream), count));
}

std::unique_ptr<Transport> traced(std::unique_ptr<Transport> transport) {
  std::lock_guard lock(g_trace_mutex);
  if (!g_trace) return transport;
  // The trace lives as long as the process (set once, never reset while hosts are reached).
  return std::make_unique<TracingTransport>(std::move(transport), *g_trace);
}

}  // namespace virtplan::providers

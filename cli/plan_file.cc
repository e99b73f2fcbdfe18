#include "cli/plan_file.h"

#include "planner/plan_json.h"
#include "providers/base/regular_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace virtplan::cli {

namespace {

// Far beyond any plan (2,000 objects save to a few MiB), and a bound on the
// memory a wrong file can take.
constexpr std::size_t k_max_plan_size = std::size_t{1} << 30;

// Writes all of `text` to `fd`.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t wrote = ::write(fd, text.data(), text.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(wrote));
  }
  return true;
}

}  // namespace

// A saved plan keeps its secrets (apply needs them), so it is written to a
// new file that only its owner reads (mkostemp: O_EXCL, 0600) beside the
// target, then renamed over it: whatever was at FILE (a 0644 file, a
// symlink to elsewhere) is replaced, never written through, and a reader
// never sees half a plan.
providers::Result<void> save_plan(const planner::Plan& plan, const std::string& file) {
  const std::string text = planner::plan_to_json(plan, planner::Secrets::kept).dump(2) + "\n";
  std::string temporary = file + ".tmp-XXXXXX";
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
  if (fd < 0) {
    return providers::fail(providers::ErrorCode::other,
                           fmt::format("{}: cannot write the plan: {}", file, std::strerror(errno)));
  }
  const bool written = write_all(fd, text) && ::fsync(fd) == 0;
  const int write_error = errno;
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || ::rename(temporary.c_str(), file.c_str()) != 0) {
    const int error = !written ? write_error : errno;
    ::unlink(temporary.c_str());
    return providers::fail(providers::ErrorCode::other,
                           fmt::format("{}: cannot write the plan: {}", file, std::strerror(error)));
  }
  return {};
}

// A saved plan is read only from a regular file: a FIFO or a device named as
// PLANFILE (`apply PLANFILE`, `show PLANFILE`) would block or never end.
providers::Result<planner::Plan> read_plan(const std::string& file) {
  auto opened = providers::RegularFile::open(file);
  if (!opened) return providers::fail(opened.error());
  auto text = opened->read(k_max_plan_size + 1);
  if (!text) return providers::fail(text.error());
  if (text->size() > k_max_plan_size) {
    return providers::fail(
        providers::ErrorCode::invalid,
        fmt::format("{}: not a virtplan plan: larger than {} bytes", file, k_max_plan_size));
  }
  const auto document = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return providers::fail(providers::ErrorCode::invalid,
                           fmt::format("{}: not a virtplan plan: not JSON", file));
  }
  auto plan = planner::plan_from_json(document);
  if (!plan) return providers::fail(plan.error().with_context(file));
  return plan;
}

}  // namespace virtplan::cli

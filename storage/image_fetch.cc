#include "storage/image_fetch.h"

#include "providers/base/human_size.h"
#include "providers/base/plain_text.h"
#include "providers/host/host_script.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <future>
#include <limits>
#include <mutex>
#include <regex>

namespace virtplan::storage {

using providers::Command;
using providers::CommandOutput;
using providers::Error;
using providers::ErrorCode;
using providers::fail;
using providers::human_size;
using providers::Result;

namespace {

// A download takes as long as the link needs; curl and wget give up on a
// stalled transfer by themselves (no byte for stall_seconds(), 60 by default).
constexpr auto k_download_timeout = std::chrono::hours(12);
constexpr int k_stall_seconds = 60;
constexpr int k_fetch_retries = 3;
constexpr int k_most_fetch_retries = 10;

// $1 cache directory, $2 URL, $3 algorithm (sha256 | sha512), $4 digest,
// $5 seconds without a byte after which a download counts as stalled, $6 the
// stack that wants the image: recorded in CACHE/ALGO-HEX.stacks, one line
// each, which `virtplan gc` reads (storage/image_gc.h), $7 how many times
// curl or wget retries a transient failure (fetch_retries()).
// Every line it prints is a word and its values; see image_fetch.h. The lock
// file stays (removing a file others may hold open would break the lock).
constexpr std::string_view k_fetch_script = R"sh(
cache=$1 url=$2 algo=$3 want=$4 stall=$5 stack=$6 retries=$7
final=$cache/$algo-$want
part=$cache/.$algo-$want.part
unpacked=$cache/.$algo-$want.unpacked
say() { printf '%s\n' "$*"; }
ticker=
fail() {
  [ -z "$ticker" ] || { kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null; }
  rm -f -- "$part" "$part.headers" "$part.err" "$unpacked"; say "error $*"; exit 1
}
mkdir -p -- "$cache" 2>/dev/null || { say "error cache cannot make the image cache $cache"; exit 1; }
command -v flock >/dev/null 2>&1 || { say "error tool flock (util-linux) is not installed on the host"; exit 1; }
touch -- "$final.lock" 2>/dev/null || { say "error cache cannot write in the image cache $cache"; exit 1; }
exec 9>>"$final.lock"
flock 9 || { say "error cache cannot lock $final.lock"; exit 1; }
if [ ! -f "$final" ]; then
  rm -f -- "$part" "$part.headers" "$part.err" "$unpacked"
  if command -v curl >/dev/null 2>&1; then tool=curl
  elif command -v wget >/dev/null 2>&1; then tool=wget
  else say "error tool neither curl nor wget is installed on the host"; exit 1
  fi
  say "fetching $tool"
  ( while :; do
      sleep 1 </dev/null >/dev/null 2>&1
      total=$(sed -n 's/^[Cc]ontent-[Ll]ength:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$part.headers" 2>/dev/null | tail -n 1)
      say "progress $(stat -c %s -- "$part" 2>/dev/null || echo 0) ${total:-0}"
    done ) &
  ticker=$!
  # curl retries what it calls transient (timeouts, HTTP 408, 429, 5xx) by
  # itself, backing off (1 s, then doubling: no --retry-delay, which would
  # fix it), and wget waits 1 s more each try (--waitretry); a connection
  # dropped mid-body (18, 52, 56) starts the download again here, after
  # 1 s, then 2 s.
  attempt=1
  while :; do
    if [ "$tool" = curl ]; then
      curl -fsSL -g --proto =http,https --proto-redir =http,https --retry "$retries" \
        --connect-timeout 30 --speed-limit 1 --speed-time "$stall" -D "$part.headers" -o "$part" -- "$url" 2>"$part.err"
    else
      wget -nv --tries=$((retries + 1)) --waitretry=10 --timeout=60 --read-timeout="$stall" -O "$part" -- "$url" 2>"$part.err"
    fi
    rc=$?
    # A timeout once the server answered (curl) or sent bytes (wget) is a
    # body that stopped coming: said as such, with the limit.
    case $tool.$rc in
      curl.28) [ -s "$part.headers" ] && fail "stall $tool $stall" ;;
      wget.4) [ -s "$part" ] && fail "stall $tool $stall" ;;
    esac
    case $tool.$rc in
      curl.18|curl.52|curl.56) [ "$attempt" -lt 3 ] || break ;;
      *) break ;;
    esac
    say "retrying $rc"
    sleep "$attempt"
    attempt=$((attempt + 1))
  done
  kill "$ticker" 2>/dev/null; wait "$ticker" 2>/dev/null; ticker=
  [ "$rc" -eq 0 ] || fail "fetch $tool $rc $(tail -c 400 -- "$part.err" | tr '\n' ' ')"
  size=$(stat -c %s -- "$part")
  say "progress $size $size"
  got=$("${algo}sum" <"$part" | cut -d' ' -f1)
  [ "$got" = "$want" ] || fail "digest $got"
  case $(head -c 6 -- "$part" | od -An -tx1 | tr -d ' \n') in
    fd377a585a00*) packed=xz ;;
    1f8b*) packed=gzip ;;
    28b52ffd*) packed=zstd ;;
    *) packed= ;;
  esac
  if [ -n "$packed" ]; then
    command -v "$packed" >/dev/null 2>&1 ||
      fail "tool the image is $packed-compressed and $packed is not installed on the host"
    say "unpacking $packed"
    "$packed" -dc <"$part" >"$unpacked" 2>"$part.err" ||
      fail "unpack $packed $(tail -c 400 -- "$part.err" | tr '\n' ' ')"
    rm -f -- "$part"
  else
    mv -f -- "$part" "$unpacked" || fail "cache cannot rename $part"
  fi
  mv -f -- "$unpacked" "$final" || fail "cache cannot rename $unpacked"
  rm -f -- "$part.headers" "$part.err"
fi
if [ -n "$stack" ] && ! grep -q -x -F -- "$stack" "$final.stacks" 2>/dev/null; then
  printf '%s\n' "$stack" >>"$final.stacks" || { say "error cache cannot write $final.stacks"; exit 1; }
fi
info=$(qemu-img info -U --output=json "$final" 2>&1) || { say "error inspect $(printf '%s' "$info" | tr '\n' ' ')"; exit 1; }
say "image $final"
printf '%s\n' "$info"
)sh";

// $1 URL, $2 retries (fetch_retries()): the checksum file on standard
// output; the tool's name first on standard error, so that its failure can be
// read.
constexpr std::string_view k_text_script = R"sh(
if command -v curl >/dev/null 2>&1; then
  echo curl >&2
  exec curl -fsSL -g --proto =http,https --proto-redir =http,https --retry "$2" \
    --connect-timeout 30 --max-time 300 --max-filesize 4194304 -- "$1"
elif command -v wget >/dev/null 2>&1; then
  echo wget >&2
  exec wget -nv --tries=$(($2 + 1)) --waitretry=10 --timeout=60 -O - -- "$1"
fi
echo none >&2
exit 127
)sh";

std::string one_line(std::string_view text) {
  std::string out(providers::trimmed(text));
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

// The HTTP status curl or wget names ("returned error: 404", "ERROR 404: Not Found"), if any.
std::optional<int> http_status(std::string_view said) {
  static const std::regex k_status(R"((?:returned error: |ERROR )([1-5][0-9][0-9]))");
  std::cmatch match;
  const std::string text(said);
  if (!std::regex_search(text.c_str(), match, k_status)) return std::nullopt;
  return std::stoi(match[1].str());
}

struct Meaning {
  ErrorCode code;
  std::string what;
};

// An HTTP error status, as curl (22) and wget (8) report one.
Meaning http_refusal(std::string_view said) {
  const auto http = http_status(said);
  if (http == 404) return {ErrorCode::not_found, "the server has no such file (HTTP 404)"};
  return {ErrorCode::other, http ? fmt::format("the server refused it (HTTP {})", *http)
                                 : std::string("the server refused it")};
}

Meaning curl_meaning(int status, std::string_view said) {
  switch (status) {
    case 6:
      return {ErrorCode::unreachable, "cannot resolve the server's name (DNS)"};
    case 7:
      return {ErrorCode::unreachable, "cannot connect to the server"};
    case 22:
      return http_refusal(said);
    case 23:
      return {ErrorCode::other, "cannot write the download on the host (disk full?)"};
    case 28:
      return {ErrorCode::timeout, "timed out"};
    case 18:
    case 52:
    case 56:
      return {ErrorCode::transport, "the connection dropped mid-download"};
    case 47:
      return {ErrorCode::other, "too many redirects"};
    case 63:
      return {ErrorCode::invalid, "the file is larger than a checksum file may be"};
    case 35:
    case 51:
    case 53:
    case 54:
    case 58:
    case 59:
    case 60:
    case 64:
    case 66:
    case 77:
    case 80:
    case 83:
    case 90:
    case 91:
      return {ErrorCode::other, "TLS failed (the server's certificate or the handshake)"};
    default:
      return {ErrorCode::other, fmt::format("curl failed (exit status {})", status)};
  }
}

Meaning wget_meaning(int status, std::string_view said) {
  switch (status) {
    case 3:
      return {ErrorCode::other, "cannot write the download on the host (disk full?)"};
    case 4:
      if (said.find("resolve") != std::string_view::npos)
        return {ErrorCode::unreachable, "cannot resolve the server's name (DNS)"};
      return {ErrorCode::unreachable, "network failure (cannot connect, timed out or dropped)"};
    case 5:
      return {ErrorCode::other, "TLS failed (the server's certificate or the handshake)"};
    case 8:
      return http_refusal(said);
    default:
      return {ErrorCode::other, fmt::format("wget failed (exit status {})", status)};
  }
}

std::string_view first_word(std::string_view& text) {
  text = providers::trimmed(text);
  const auto space = text.find(' ');
  std::string_view word = text.substr(0, space);
  text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  return word;
}

std::uint64_t number(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// An `error KIND ...` line of the fetch script.
Error script_error(std::string_view line, const ImageRequest& request) {
  std::string_view rest = line;
  const std::string_view kind = first_word(rest);
  if (kind == "digest") {
    return Error(ErrorCode::invalid,
                 fmt::format("{} does not match its {}: expected {}, got {} (the download was deleted)",
                             request.url, request.digest.algorithm, request.digest.hex, one_line(rest)));
  }
  if (kind == "fetch") {
    const std::string_view tool = first_word(rest);
    const std::string_view status = first_word(rest);
    return image_fetch::download_error(tool, static_cast<int>(number(status)), rest, request.url);
  }
  if (kind == "stall") {
    const std::string_view tool = first_word(rest);
    return Error(ErrorCode::timeout,
                 fmt::format("cannot download {}: the server stalled mid-body (no byte for {} s, {} gave up "
                             "after its retries; the partial download was deleted)",
                             request.url, one_line(rest), tool));
  }
  if (kind == "tool")
    return Error(ErrorCode::not_found, fmt::format("cannot fetch {}: {}", request.url, rest));
  if (kind == "unpack") {
    return Error(ErrorCode::other,
                 fmt::format("cannot decompress {} ({}): {}", request.url, first_word(rest), one_line(rest)));
  }
  if (kind == "inspect") {
    return Error(ErrorCode::invalid,
                 fmt::format("qemu-img cannot read the image from {}: {}", request.url, rest));
  }
  return Error(ErrorCode::other, fmt::format("cannot fetch {}: {}", request.url, rest));
}

// The image's qemu-img info, checked: a format virtplan copies as it is,
// and nothing that reaches outside the file.
Result<CachedImage> read_info(std::string_view text, std::string path, const ImageRequest& request) {
  nlohmann::json info = nlohmann::json::parse(std::string(text), nullptr, false);
  if (!info.is_object() || !info.contains("format") || !info.contains("virtual-size")) {
    return fail(ErrorCode::invalid, fmt::format("qemu-img info of {} said: {}", path, one_line(text)));
  }
  CachedImage image;
  image.path = std::move(path);
  image.format = info["format"].get<std::string>();
  image.virtual_size = info["virtual-size"].get<std::uint64_t>();
  // A raw image's bytes are its disk; a qcow2's file is what it holds.
  image.size = image.format == "raw" ? image.virtual_size : info.value("actual-size", std::uint64_t{0});
  if (image.format != "qcow2" && image.format != "raw") {
    return fail(ErrorCode::invalid, fmt::format("the image from {} is {}; virtplan takes qcow2 or raw images "
                                                "(compressed with xz, gzip or zstd or not)",
                                                request.url, image.format));
  }
  const auto data_file = nlohmann::json::json_pointer("/format-specific/data/data-file");
  if (info.contains("backing-filename") || info.contains(data_file)) {
    return fail(ErrorCode::invalid,
                fmt::format("the image from {} names a {} outside itself; virtplan refuses it (a volume made "
                            "of it would read that file on the host)",
                            request.url, info.contains(data_file) ? "data file" : "backing file"));
  }
  return image;
}

// Runs `command`, handing each line it prints to `on_line` as it comes when
// the transport can stream; what it printed, in the end.
Result<CommandOutput> run_with_lines(providers::Transport& transport, Command command,
                                     const std::function<void(std::string_view)>& on_line) {
  if (!transport.can_stream()) return transport.run(command);
  struct Shared {
    std::mutex mutex;
    CommandOutput output;
    std::size_t consumed = 0;  // of output.out, handed to on_line
    std::promise<Result<CommandOutput>> ended;
  };
  auto shared = std::make_shared<Shared>();
  providers::StreamSink sink;
  sink.output = [shared, on_line](std::string_view text, bool is_stderr) {
    std::lock_guard lock(shared->mutex);
    if (is_stderr) {
      shared->output.err.append(text);
      return;
    }
    shared->output.out.append(text);
    for (auto end = shared->output.out.find('\n', shared->consumed); end != std::string::npos;
         end = shared->output.out.find('\n', shared->consumed)) {
      on_line(std::string_view(shared->output.out).substr(shared->consumed, end - shared->consumed));
      shared->consumed = end + 1;
    }
  };
  sink.ended = [shared](const Result<CommandOutput>& ended) {
    std::lock_guard lock(shared->mutex);
    if (!ended) {
      shared->ended.set_value(fail(ended.error()));
      return;
    }
    CommandOutput all = shared->output;
    all.out += ended->out;
    all.err += ended->err;
    all.exit_status = ended->exit_status;
    shared->ended.set_value(std::move(all));
  };
  auto done = shared->ended.get_future();
  auto stream = transport.stream(command, std::move(sink));
  if (!stream) return fail(stream.error());
  if (done.wait_for(k_download_timeout) != std::future_status::ready) {
    return fail(ErrorCode::timeout, "no end after 12 hours");
  }
  auto result = done.get();
  stream->reset();
  return result;
}

}  // namespace

namespace image_fetch {

Error download_error(std::string_view tool, int status, std::string_view said, std::string_view url) {
  const Meaning meaning = tool == "wget" ? wget_meaning(status, said) : curl_meaning(status, said);
  const std::string words = one_line(said);
  return Error(meaning.code, fmt::format("cannot download {}: {}{}", url, meaning.what,
                                         words.empty() ? "" : fmt::format(" ({}: {})", tool, words)));
}

Result<CachedImage> read_report(std::string_view out, std::string_view err, const ImageRequest& request) {
  std::string tool;
  while (!out.empty()) {
    const auto end = out.find('\n');
    std::string_view line = out.substr(0, end);
    out = end == std::string_view::npos ? std::string_view{} : out.substr(end + 1);
    std::string_view rest = line;
    const std::string_view word = first_word(rest);
    if (word == "fetching") tool = std::string(rest);
    if (word == "error") return fail(script_error(rest, request));
    if (word == "image") {
      auto image = read_info(out, std::string(rest), request);
      if (image) image->tool = tool;
      return image;
    }
  }
  return fail(ErrorCode::other,
              fmt::format("fetching {} ended without a word on the image: {}", request.url, one_line(err)));
}

Progress::Progress(std::string file, std::chrono::steady_clock::time_point start)
    : m_file(std::move(file)), m_start(start) {}

std::string Progress::line(std::uint64_t bytes, std::uint64_t total,
                           std::chrono::steady_clock::time_point now) const {
  const double seconds = std::chrono::duration<double>(now - m_start).count();
  const auto rate = seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds) : 0;
  std::string text = fmt::format("downloading {}: {}", m_file, human_size(bytes));
  if (total > 0)
    text += fmt::format(" of {} ({}%)", human_size(total), std::min<std::uint64_t>(100, bytes * 100 / total));
  text += fmt::format(", {}/s", human_size(rate));
  if (total > bytes && rate > 0) text += fmt::format(", {} s left", (total - bytes) / rate);
  return text;
}

}  // namespace image_fetch

namespace {

// The whole number in environment variable `name` when it is one from
// `least` to `most`, else `fallback`.
int number_from_env(const char* name, int fallback, int least, int most) {
  const char* set = std::getenv(name);
  if (set == nullptr || *set == '\0') return fallback;
  int value = 0;
  const std::string_view text(set);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < least || value > most) {
    return fallback;
  }
  return value;
}

}  // namespace

int stall_seconds() {
  return number_from_env("VIRTPLAN_STALL_TIMEOUT", k_stall_seconds, 1, std::numeric_limits<int>::max());
}

int fetch_retries() {
  return number_from_env("VIRTPLAN_FETCH_RETRIES", k_fetch_retries, 0, k_most_fetch_retries);
}

std::string client_image_cache() {
  if (const char* set = std::getenv("VIRTPLAN_IMAGE_CACHE"); set != nullptr && *set != '\0') return set;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg == '/') {
    return std::string(xdg) + "/virtplan/images";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home == '/' ? home : "/tmp") + "/.cache/virtplan/images";
}

Result<ImageDigest> image_digest(const VolumeSpec& spec, FetchSite& site) {
  if (spec.source_sha256) return ImageDigest{"sha256", *spec.source_sha256};
  if (spec.source_sha512) return ImageDigest{"sha512", *spec.source_sha512};
  if (!spec.source_checksum_url || !spec.source_url) {
    return fail(ErrorCode::invalid, "the volume's source has no digest and no checksum_url");
  }
  const std::string& sums_url = *spec.source_checksum_url;
  Command command{providers::host_script_argv(site.become, k_text_script, "virtplan-fetch",
                                              {sums_url, std::to_string(fetch_retries())}),
                  std::nullopt, std::chrono::minutes(6)};
  auto ran = site.transport.run(command);
  if (!ran) return fail(ran.error());
  std::string_view said = ran->err;
  const std::string_view tool = first_word(said);
  if (tool == "none") {
    return fail(ErrorCode::not_found, fmt::format("cannot fetch {}: neither curl nor wget is installed on {}",
                                                  sums_url, site.transport.host_name()));
  }
  if (ran->exit_status != 0) return fail(image_fetch::download_error(tool, ran->exit_status, said, sums_url));
  const std::string file = image_file_name(*spec.source_url);
  auto digest = digest_in_sums(ran->out, file);
  if (!digest) {
    return fail(ErrorCode::not_found,
                fmt::format("checksum file {} lists no sha256 or sha512 digest for {}", sums_url, file));
  }
  return *digest;
}

Result<CachedImage> fetch_image(const providers::ActuatorStep& step, FetchSite& site,
                                const ImageRequest& request) {
  Command command{providers::host_script_argv(
                      site.become, k_fetch_script, "virtplan-fetch",
                      {site.cache, request.url, request.digest.algorithm, request.digest.hex,
                       std::to_string(stall_seconds()), site.stack, std::to_string(fetch_retries())}),
                  std::nullopt, k_download_timeout};
  const image_fetch::Progress progress(image_file_name(request.url), std::chrono::steady_clock::now());
  auto ran = run_with_lines(site.transport, command, [&](std::string_view line) {
    std::string_view rest = line;
    const std::string_view word = first_word(rest);
    if (!step.progress) return;
    if (word == "fetching") {
      step.progress(
          fmt::format("downloading {} with {} on {}", request.url, rest, site.transport.host_name()));
    } else if (word == "progress") {
      const std::uint64_t bytes = number(first_word(rest));
      step.progress(progress.line(bytes, number(first_word(rest)), std::chrono::steady_clock::now()));
    } else if (word == "retrying") {
      step.progress(fmt::format("the connection dropped (curl exit status {}); downloading {} again", rest,
                                image_file_name(request.url)));
    } else if (word == "unpacking") {
      step.progress(fmt::format("decompressing {} ({})", image_file_name(request.url), rest));
    }
  });
  if (!ran) return fail(ran.error());
  return image_fetch::read_report(ran->out, ran->err, request);
}

}  // namespace virtplan::storage

#include "storage/image_gc.h"

#include "providers/base/plain_text.h"
#include "providers/host/host_script.h"

#include <fmt/format.h>

#include <charconv>

namespace virtplan::storage {

using providers::Command;
using providers::ErrorCode;
using providers::fail;
using providers::Result;
using providers::trimmed;

namespace {

// $1 cache, $2 ledger directory, $3 stack, $4 list | remove, then the names
// to keep. One line per image: `keep NAME SIZE WHY...`, `remove NAME SIZE`
// or `release NAME SIZE OTHERS...` (what `remove` would do), `removed NAME
// SIZE`, `released NAME SIZE OTHERS...`; `error WHAT` ends it.
constexpr std::string_view k_gc_script = R"sh(
cache=$1 ledgers=$2 stack=$3 mode=$4; shift 4
[ -d "$cache" ] || exit 0
command -v flock >/dev/null 2>&1 || { echo "error flock (util-linux) is not installed on the host"; exit 1; }
open=$(for f in /proc/[0-9]*/fd/*; do readlink "$f"; done 2>/dev/null)
for path in "$cache"/sha256-* "$cache"/sha512-*; do
  name=${path##*/} hex=${path##*/sha???-}
  case $name in sha256-*) n=64 ;; *) n=128 ;; esac
  [ "${#hex}" -eq "$n" ] && [ -z "$(printf '%s' "$hex" | tr -d 0-9a-f)" ] || continue
  [ -f "$path" ] && [ ! -L "$path" ] || continue
  size=$(stat -c %s -- "$path")
  why=
  for k; do [ "$k" = "$name" ] && why="named"; done
  if [ -z "$why" ]; then
    l=$(grep -l -F -- "$hex" "$ledgers"/*.json 2>/dev/null | head -n 1)
    [ -n "$l" ] && why="ledger ${l##*/}"
  fi
  others=
  if [ -z "$why" ]; then
    if [ ! -f "$path.stacks" ]; then why="unrecorded"
    elif ! grep -q -x -F -- "$stack" "$path.stacks"; then why="others $(tr '\n' ' ' <"$path.stacks")"
    else others=$(grep -v -x -F -- "$stack" "$path.stacks" | tr '\n' ' ')
    fi
  fi
  if [ -z "$why" ] && printf '%s\n' "$open" | grep -q -x -F -- "$path"; then why="open"; fi
  if [ -n "$why" ]; then echo "keep $name $size $why"; continue; fi
  exec 9>>"$path.lock"
  if ! flock -n 9; then echo "keep $name $size locked"; exec 9>&-; continue; fi
  if [ "$mode" != remove ]; then
    if [ -n "$others" ]; then echo "release $name $size $others"; else echo "remove $name $size"; fi
  elif [ -n "$others" ]; then
    grep -v -x -F -- "$stack" "$path.stacks" >"$path.stacks.new" && mv -f -- "$path.stacks.new" "$path.stacks" ||
      { echo "error cannot rewrite $path.stacks"; exit 1; }
    echo "released $name $size $others"
  else
    rm -f -- "$path" "$path.stacks" || { echo "error cannot remove $path"; exit 1; }
    echo "removed $name $size"
  fi
  exec 9>&-
done
)sh";

std::string_view word(std::string_view& text) {
  while (text.starts_with(' ')) text.remove_prefix(1);
  const auto space = text.find(' ');
  const std::string_view out = text.substr(0, space);
  text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  return out;
}

// What the script's reason words mean, for a person.
std::string kept_because(std::string_view why) {
  const std::string_view kind = word(why);
  if (kind == "named") return "named by this stack";
  if (kind == "ledger")
    return fmt::format("in the ledger of stack {}", trimmed(why.substr(0, why.rfind(".json"))));
  if (kind == "unrecorded") return "no record of which stack fetched it";
  if (kind == "others") return fmt::format("fetched by stack {}", trimmed(why));
  if (kind == "open") return "open (a running domain reads it)";
  if (kind == "locked") return "a fetch holds its lock";
  return std::string(kind);
}

}  // namespace

std::vector<std::string> image_names(const nlohmann::json& spec) {
  std::vector<std::string> out;
  for (const char* prefix : {"source_", "base_", "backing_"}) {
    for (const char* algorithm : {"sha256", "sha512"}) {
      const std::string key = std::string(prefix) + algorithm;
      if (spec.contains(key) && spec[key].is_string())
        out.push_back(algorithm + ("-" + spec[key].get<std::string>()));
    }
  }
  return out;
}

namespace image_gc {

Result<std::vector<CachedImageVerdict>> read_report(std::string_view out, std::string_view err) {
  std::vector<CachedImageVerdict> images;
  for (std::string_view line : providers::lines_of(out)) {
    const std::string_view action = word(line);
    if (action.empty()) continue;
    if (action == "error") return fail(ErrorCode::other, std::string(trimmed(line)));
    CachedImageVerdict image;
    image.name = std::string(word(line));
    const std::string_view size = word(line);
    std::from_chars(size.data(), size.data() + size.size(), image.size);
    if (action == "keep") {
      image.why = kept_because(line);
    } else if (action == "remove") {
      image.action = CachedImageVerdict::Action::remove;
    } else if (action == "removed") {
      image.action = CachedImageVerdict::Action::removed;
    } else if (action == "released" || action == "release") {
      image.action =
          action == "release" ? CachedImageVerdict::Action::release : CachedImageVerdict::Action::released;
      image.why = fmt::format("still fetched by stack {}", trimmed(line));
    } else {
      return fail(ErrorCode::other, fmt::format("the image cache's gc said: {} {}", action, trimmed(line)));
    }
    images.push_back(std::move(image));
  }
  if (!err.empty() && images.empty()) return fail(ErrorCode::other, std::string(trimmed(err)));
  return images;
}

}  // namespace image_gc

Result<std::vector<CachedImageVerdict>> collect_images(FetchSite& site, std::string_view ledger_dir,
                                                       const std::vector<std::string>& keep, GcMode mode) {
  std::vector<std::string> args{site.cache, std::string(ledger_dir), site.stack,
                                mode == GcMode::remove ? "remove" : "list"};
  args.insert(args.end(), keep.begin(), keep.end());
  Command command{providers::host_script_argv(site.become, k_gc_script, "virtplan-gc", std::move(args)),
                  std::nullopt, std::chrono::minutes(5)};
  auto ran = site.transport.run(command);
  if (!ran) return fail(ran.error());
  auto images = image_gc::read_report(ran->out, ran->exit_status == 0 ? std::string_view{} : ran->err);
  if (!images) {
    return fail(images.error().code(), fmt::format("{}: image cache {}: {}", site.transport.host_name(),
                                                   site.cache, images.error().message()));
  }
  return images;
}

}  // namespace virtplan::storage

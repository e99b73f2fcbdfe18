#!/usr/bin/env bash
# `virtplan version` and `--version` (cli/version.h, cmake/version.cmake):
# both print the same text; its version and commit are this tree's (git
# describe, git rev-parse); the library versions are those pkg-config knows
# here. Then cmake/version.cmake alone (cmake -P) on a tree outside git (the
# project's version, commit unknown), on a repository without tags
# (0.1.0+gHASH) and on a tagged repository (v2.3.4 plus
# one commit: 2.3.4+1.gHASH).
# Usage: check_version.sh VIRTPLAN_BINARY SOURCE_DIR
set -uo pipefail
binary=$1
source_dir=$2
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_line() { grep -qxF -- "$2" <<<"$1" || fail "no line '$2' in: $1"; }

text=$("$binary" version) || fail "virtplan version exited $?"
flag=$("$binary" --version) || fail "virtplan --version exited $?"
[[ $text == "$flag" ]] || fail "version and --version differ: '$text' / '$flag'"
head=$(git -C "$source_dir" rev-parse HEAD)
short=$(git -C "$source_dir" rev-parse --short=7 HEAD)
first=$(head -n1 <<<"$text")
[[ $first =~ ^virtplan\ [0-9][0-9A-Za-z.+~-]*$ ]] || fail "first line is not 'virtplan VERSION': $first"
[[ $first == *"g$short"* || $first =~ ^virtplan\ [0-9.]+$ ]] ||
  fail "the version names no g$short (git describe): $first"
grep -q "^commit: $head" <<<"$text" || fail "no 'commit: $head' in: $text"
for pair in libssh:libssh libxml2:libxml-2.0 yaml-cpp:yaml-cpp libisofs:libisofs-1; do
  want="${pair%%:*} $(pkg-config --modversion "${pair#*:}")"
  grep -qF -- "$want" <<<"$text" || fail "no '$want' in: $text"
done

work=$(mktemp -d /tmp/vp-version-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
version_of() {  # version_of SOURCE: the header cmake/version.cmake writes for it
  cmake -DPROJECT_SOURCE_DIR="$1" -DPROJECT_VERSION=0.1.0 -DVIRTPLAN_BUILD_INFO_DIR="$work/out" \
    -P "$source_dir/cmake/version.cmake" >/dev/null && cat "$work/out/build_info.h"
}
mkdir -p "$work/plain"
header=$(version_of "$work/plain") || fail "cmake -P on a tree outside git"
expect_line "$header" '#define VIRTPLAN_VERSION "0.1.0"'
expect_line "$header" '#define VIRTPLAN_GIT_COMMIT "unknown (not built from git)"'
git init -q "$work/untagged" && git -C "$work/untagged" -c user.name=t -c user.email=t@t commit -q --allow-empty -m one ||
  fail "git in $work/untagged"
header=$(version_of "$work/untagged") || fail "cmake -P on a repository without tags"
expect_line "$header" "#define VIRTPLAN_VERSION \"0.1.0+g$(git -C "$work/untagged" rev-parse --short=7 HEAD)\""
git init -q "$work/tagged" && cd "$work/tagged" &&
  git -c user.name=t -c user.email=t@t commit -q --allow-empty -m one && git tag v2.3.4 &&
  git -c user.name=t -c user.email=t@t commit -q --allow-empty -m two || fail "git in $work/tagged"
header=$(version_of "$work/tagged") || fail "cmake -P on a tagged repository"
expect_line "$header" "#define VIRTPLAN_VERSION \"2.3.4+1.g$(git rev-parse --short=7 HEAD)\""
expect_line "$header" "#define VIRTPLAN_GIT_COMMIT \"$(git rev-parse HEAD)\""
((failures == 0)) && echo "version: all cases pass: $first"
exit $((failures > 0))

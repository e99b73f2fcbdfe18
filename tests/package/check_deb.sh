#!/usr/bin/env bash
# The Debian package as scripts/package builds it (CPack, cmake/packaging.cmake),
# built from this build directory into a temporary one: it holds both
# binaries, the man page, the completion, the schema and the examples; its
# Depends: come from dpkg-shlibdeps (libssh and libvirt's peers, not a
# hand-kept list); its version starts with a digit (Debian's rule) and is the binary's.
# Usage: check_deb.sh BUILD_DIR
set -euo pipefail
build="$1"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
(cd "$build" && cpack -G DEB -B "$out" >/dev/null)
deb=$(ls "$out"/virtplan_*.deb)
failures=0
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/virtplan ./usr/bin/virtplan-ansible ./usr/share/man/man1/virtplan.1.gz \
  ./usr/share/bash-completion/completions/virtplan ./usr/share/virtplan/virtplan-stack.schema.json \
  ./usr/share/doc/virtplan/examples/quickstart.yaml; do
  grep -qxF "$path" <<<"$contents" || { echo "FAIL: $path is not in the package"; failures=$((failures + 1)); }
done
depends=$(dpkg-deb --field "$deb" Depends)
for library in libssh-4 libyaml-cpp libxml2 libc6; do
  [[ $depends == *"$library"* ]] || { echo "FAIL: Depends: lacks $library: $depends"; failures=$((failures + 1)); }
done
version=$(dpkg-deb --field "$deb" Version)
[[ $version =~ ^[0-9] ]] || { echo "FAIL: version '$version' does not start with a digit"; failures=$((failures + 1)); }
# One version for the package and the binary (cmake/version.cmake).
[[ $("$build/virtplan" --version | head -n1) == "virtplan $version" ]] ||
  { echo "FAIL: the package's version $version is not the binary's: $("$build/virtplan" --version | head -n1)"; failures=$((failures + 1)); }
# The packaged completion and man page are what the binary prints.
dpkg-deb -x "$deb" "$out/root"
cmp -s "$out/root/usr/share/bash-completion/completions/virtplan" <("$build/virtplan" completion bash) ||
  { echo "FAIL: the packaged completion differs from virtplan completion bash"; failures=$((failures + 1)); }
((failures == 0)) && echo "package: $(basename "$deb"): every file, Depends: $depends"
exit $((failures > 0))

#!/usr/bin/env bash
# `ansible-test sanity` (Debian's ansible-core) on the virtplan.kvm collection
# with the built module in it: the tests that run offline (the others fetch
# pip and Python requirements from the network first). ansible-doc reads the
# module's documentation; the collection's files pass the file checks (a
# compiled module is not a script: shebang leaves it alone), with no ignores.
# Usage: sanity.sh VIRTPLAN_ANSIBLE_BINARY SOURCE_DIR
set -uo pipefail
binary=$1
source_dir=$2
work=$(mktemp -d /tmp/vp-ansible-sanity.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$source_dir/ansible/install-module" "$binary" "$work" >/dev/null || exit 1
cd "$work/ansible_collections/virtplan/kvm" || exit 1
python=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
tests=(ansible-doc action-plugin-docs shebang symlinks line-endings no-smart-quotes empty-init
  no-illegal-filenames ignores)
HOME=$work ansible-test sanity --python "$python" "${tests[@]/#/--test=}" >"$work/log" 2>&1
status=$?
grep -v '^WARNING: .*locale' "$work/log"
((status == 0)) && echo "ansible-test sanity: ${#tests[@]} offline tests pass"
exit $status

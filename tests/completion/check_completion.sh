#!/usr/bin/env bash
# The bash completion script (`virtplan completion bash`, cli/bash_completion.h)
# loaded into bash and driven as bash drives it on Tab: COMP_LINE and
# COMP_POINT set, _virtplan called, COMPREPLY read.
# Usage: check_completion.sh VIRTPLAN_BINARY SOURCE_DIR
set -uo pipefail
binary="$1"
source_dir="$2"
cd "$source_dir/examples" || exit 1
eval "$("$binary" completion bash)" || { echo "the script does not load"; exit 1; }

failures=0
# complete LINE: what Tab offers at the end of LINE (the first word is the binary).
complete_line() {
  COMP_LINE="$binary $1"
  COMP_POINT=${#COMP_LINE}
  read -ra COMP_WORDS <<<"$COMP_LINE"
  [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _virtplan
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() {
  local got
  got=$(complete_line "$1")
  if [[ $got != "$2" ]]; then
    echo "FAIL: '$1<TAB>': got '$got', want '$2'"
    failures=$((failures + 1))
  fi
}

complete -p virtplan | grep -q -- '-F _virtplan' || { echo "FAIL: complete -p virtplan: $(complete -p virtplan)"; failures=$((failures + 1)); }
expect "pl" "plan"
expect "s" "schema show status"
expect "plan --ta" "--target"
expect "plan --detailed" "--detailed-exitcode"
expect "validate -f quick" "quickstart.yaml"
expect "plan -f quickstart.yaml --target domain.qs-" "domain.qs-db@lab1 domain.qs-web@lab1"
expect "plan -f quickstart.yaml --target volume.qs-web-r" "volume.qs-web-root@lab1"
expect "plan -f quickstart.yaml --target volume.qs-web" "volume.qs-web-cidata@lab1 volume.qs-web-root@lab1"
expect "domain st" "start"
expect "domain start -f quickstart.yaml " "domain.qs-db@lab1 domain.qs-web@lab1"
expect "--log-file /dev/null domain start -f quickstart.yaml domain.qs-w" "domain.qs-web@lab1"
expect "apply -f quickstart.yaml quick" "quickstart.yaml"
expect "completion " "addresses bash"
if ((failures)); then exit 1; fi
echo "completion: all cases pass"

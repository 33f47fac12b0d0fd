#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# tests/check_doc_snippets.sh CC INCLUDE_DIR WORK_DIR DOC... - compiles every
# ```c block of the given Markdown files as its own translation unit
# (-std=c11 -Wall -Wextra -Werror, against the project's headers), so the
# code in the README and the usage guide cannot drift from the API. A
# fenced block may be indented (inside a list item): the fence's
# indentation is removed from its lines. Fails when a file has no C block.
set -eu
cc=$1 include=$2 work=$3
shift 3
rm -rf "$work"
mkdir -p "$work"
status=0
for doc in "$@"; do
  name=$(basename "$doc" .md)
  count=$(awk -v out="$work/$name" '
    !inside && /^[ \t]*```c[ \t]*$/ { inside = 1; n++; match($0, /^[ \t]*/); indent = RLENGTH
                                      file = sprintf("%s_%02d.c", out, n); printf "" > file; next }
    inside && /^[ \t]*```[ \t]*$/   { inside = 0; close(file); next }
    inside                          { print substr($0, indent + 1) >> file }
    END                             { print n + 0 }' "$doc")
  if [ "$count" -eq 0 ]; then
    echo "$doc: no C snippet found" >&2
    status=1
    continue
  fi
  for snippet in "$work/$name"_*.c; do
    if ! "$cc" -std=c11 -Wall -Wextra -Werror -I"$include" -c "$snippet" -o "$snippet.o"; then
      echo "$doc: snippet $(basename "$snippet") does not compile" >&2
      status=1
    fi
  done
  echo "$doc: $count C snippets checked"
done
exit $status

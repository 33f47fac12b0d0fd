#!/bin/sh
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# scripts/spdx.sh - every source file carries the project's SPDX license
# line (Apache-2.0 OR BSD-3-Clause, see LICENSE) as its first line, or its
# second after a "#!" line.
#   scripts/spdx.sh check [DIR]   list the files without it; exit 1 if any (CTest spdx_lines)
#   scripts/spdx.sh add [DIR]     add it where it is missing, in the file's comment style
set -eu
mode=${1:-check}
root=${2:-$(cd "$(dirname "$0")/.." && pwd)}
spdx='SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause'

# Source files: C, assembler, Rust, shell, CMake, TOML, templates, Makefile
# and CI script; not data (fuzz corpora, size mixes), docs or build trees.
list_sources() {
    (cd "$root" && find . \( -name '.git' -o -name 'build*' -o -name results -o -name target -o -name corpus \) -prune \
        -o -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' -o -name '*.rs' -o -name '*.sh' -o -name '*.cmake' \
        -o -name '*.toml' -o -name '*.in' -o -name CMakeLists.txt -o -name Makefile -o -path ./.ci/run \) -print |
        sed 's|^\./||' | LC_ALL=C sort)
}

# The comment that carries the line in a file of this name.
comment_for() {
    case "$1" in
    *.c | *.h | *.S | *.h.in) echo "/* $spdx */" ;;
    *.rs) echo "// $spdx" ;;
    *) echo "# $spdx" ;;
    esac
}

# Whether the line is where it belongs (line 1, or line 2 after "#!").
has_line() {
    head -n 2 "$root/$1" | awk -v s="$spdx" 'NR == 1 && /^#!/ { next } { exit !(index($0, s) > 0) }'
}

missing=0
for f in $(list_sources); do
    has_line "$f" && continue
    if [ "$mode" = add ]; then
        c=$(comment_for "$f")
        tmp="$root/$f.spdx-tmp"
        if head -n 1 "$root/$f" | grep -q '^#!'; then
            { head -n 1 "$root/$f"; echo "$c"; tail -n +2 "$root/$f"; } >"$tmp"
        else
            { echo "$c"; cat "$root/$f"; } >"$tmp"
        fi
        chmod --reference="$root/$f" "$tmp"
        mv "$tmp" "$root/$f"
        echo "added: $f"
    else
        echo "no SPDX line: $f"
        missing=$((missing + 1))
    fi
done
if [ "$mode" = check ]; then
    n=$(list_sources | wc -l)
    [ "$n" -gt 0 ] || { echo "spdx: no source files found under $root"; exit 1; }
    echo "spdx: $((n - missing)) of $n source files carry the line"
    [ "$missing" -eq 0 ]
fi

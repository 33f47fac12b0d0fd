#!/usr/bin/env bash
# scripts/build-docs.sh - the API reference (make docs): Doxygen on the
# public headers (docs/Doxyfile), HTML in build-docs/html. Any Doxygen
# warning (an undocumented symbol, parameter or return value, a malformed
# comment) fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh docs

out=build-docs
log=$out/doxygen-warnings.log
rm -rf "$out"
mkdir -p "$out"
status=0
doxygen docs/Doxyfile 2>"$log" || status=$?
if [ "$status" -ne 0 ] || [ -s "$log" ]; then
  cat "$log" >&2
  echo "build-docs: $(grep -cE ': (warning|error):' "$log") Doxygen warning(s), exit status $status; fix the header comments" >&2
  exit 1
fi
echo "build-docs: no warnings; API reference in $out/html/index.html"

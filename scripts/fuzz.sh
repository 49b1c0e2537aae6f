#!/usr/bin/env bash
# fuzz.sh runs every Go fuzz target of the module for $FUZZTIME (default 15s)
# each. Go fuzzes one target per invocation, so the targets are found first:
# functions named Fuzz* in the _test.go files. A failing input is saved under
# the package's testdata/fuzz/ by go test; commit it as a regression case.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-15s}
found=0
while IFS= read -r file; do
	dir=./$(dirname "$file")
	for target in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		found=1
		echo "== $dir $target ($fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$dir"
	done
done < <(grep -rl --include='*_test.go' '^func Fuzz' . | sed 's|^\./||' | sort)
[ "$found" -eq 1 ] || echo "fuzz: no fuzz targets found"

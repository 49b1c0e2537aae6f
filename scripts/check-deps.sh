#!/usr/bin/env bash
# check-deps.sh fails when a package imports against the dependency direction
# of STYLE.md (cmd → server → planner, executor, catalog, connector → sql/*).
# The rules live in scripts/checkdeps/main.go.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./scripts/checkdeps

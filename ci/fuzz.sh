#!/usr/bin/env bash
# fuzz.sh: bounded fuzzing for CI (issue 8). Runs each fuzz target for
# FUZZTIME (default 30s); any panic, hang or failed invariant fails the
# script, and go test writes the failing input under the package's
# testdata/fuzz/<Target>/ so it can be committed as a regression seed.
#
#   ci/fuzz.sh              # 30 s per target
#   FUZZTIME=5m ci/fuzz.sh  # longer, locally
#
# -fuzzminimizetime is shortened from its 60 s default so that a short run
# is spent fuzzing rather than minimizing newly interesting inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

fuzztime="${FUZZTIME:-30s}"
targets=(
	"./scenarios/ FuzzDecode"    # the scenario loader
	"./scenarios/ FuzzScanShape" # the loader's pre-scan never undercounts nesting
	"./drivers/zmtp/ FuzzDecode" # the ZMTP codec
)
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	echo "fuzz.sh: $name in $pkg for $fuzztime"
	# -run '^$' skips the package's ordinary tests; ^...$ pins one target.
	go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" -fuzzminimizetime=5s "$pkg"
done

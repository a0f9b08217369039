#!/usr/bin/env bash
# Sets up and runs the whole test suite (the README's second command; CI runs it through .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh
swift build --build-tests
log=$(mktemp)
set +e
swift test --skip-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Swift Testing's summary, e.g. "✔ Test run with 213 tests in 51 suites passed after 38.0 seconds with 3 known issues."
summary=$(grep -E "Test run with [0-9]+ tests? " "$log" | tail -n 1 || true)
total=$(sed -E 's/.*Test run with ([0-9]+) tests?.*/\1/' <<<"$summary")
# failed tests, not the run's own "✘ Test run with N tests … failed after" summary line
failed=$(grep -E "^✘ Test .* failed after" "$log" | grep -cv "^✘ Test run with" || true)
rm -f "$log"
if [[ -n "$total" ]]; then
  if ((status == 0)); then echo "tests: $total passed, 0 failed"; else echo "tests: $((total - failed)) passed, $failed failed"; fi
fi
# No allocation per capture block or CNN window, in the release builds (not a Swift test: the debug build
# allocates on every call, and the check needs release binaries and an LD_PRELOAD counter).
bash scripts/check-allocations.sh || status=1
exit "$status"

#!/usr/bin/env bash
# Sets up and runs the whole test suite (the README's second command; CI runs it through .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh --tests
swift build --build-tests
log=$(mktemp)
stamp=$(mktemp)   # its time: the tests' start, for the state-directory check below
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
# The tests run every earshotd and earshot in state directories of their own, never in the box's: what one wrote
# into /var/lib/earshot (metrics, clips, mute, drill requests) would reach every other test's earshotd there, and
# an operator's real one. A file there newer than the tests' start names the test that forgot. Where an earshotd
# runs as a service beside the tests (a developer's box) its own writes would show up too, so outside CI this
# only warns.
wrote=$(find /var/lib/earshot /var/lib/earshot-* -newer "$stamp" 2>/dev/null | head -n 20 || true)
rm -f "$stamp"
if [[ -n $wrote ]]; then
  echo "tests: these files in the box's state directories changed while the tests ran (a test ran earshotd or earshot without STATE_DIRECTORY of its own):"
  sed 's/^/  /' <<<"$wrote"
  if [[ ${CI:-} == true ]]; then status=1; else echo "tests: (only a warning outside CI: an earshot service on this box may have written them)"; fi
fi
exit "$status"

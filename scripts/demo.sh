#!/usr/bin/env bash
# The README's first command: set up Earshot and run the detector on the bundled recording, captured through
# the real ALSA path (alsa-lib's file plugin, snd_pcm_readi) at real time. Alerts print as journal fields
# (or go to the journal when journald runs). With --mic, listens to the default microphone instead (Ctrl-C stops).
#   scripts/demo.sh [FILE | --mic]     FILE: any recording, relative to the current directory (default: the demo's)
# Environment: SWIFT (swift; the toolchain's, from /opt/swift/usr/bin when there).
set -euo pipefail
# A recording named relative to where the script was started: made absolute before the cd below.
if [[ $# -gt 0 && -n $1 && $1 != --mic && $1 != /* ]]; then set -- "$PWD/$1" "${@:2}"; fi
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
SWIFT=${SWIFT:-swift}
bash scripts/setup.sh
"$SWIFT" build -c release --product earshotd >/dev/null
"$SWIFT" build -c release --product earshot >/dev/null
bin=$("$SWIFT" build -c release --show-bin-path)
# The run's config, evidence clips, metrics and score log live in a temporary folder. On exit it is removed — unless the run
# wrote evidence clips (each alert names its EARSHOT_CLIP there): then it stays, and the last line says where.
work=$(mktemp -d)
cleanup() {
  if [[ -n $(find "$work/clips" -type f -print -quit 2>/dev/null) ]]; then
    echo "== the alerts' evidence clips are kept in $work/clips (to listen to; when done: rm -r $(printf %q "$work"))"
  else
    rm -rf -- "$work"
  fi
}
trap cleanup EXIT
# A YAML single-quoted scalar, so a $TMPDIR with spaces, ':' or '#' stays one path.
yaml_quote() { printf "'%s'" "${1//\'/\'\'}"; }
cfg=$work/earshot.yaml
cat > "$cfg" <<YAML
clips: { directory: $(yaml_quote "$work/clips") }
metrics: { path: $(yaml_quote "$work/earshot.prom") }
scores: { directory: $(yaml_quote "$work/scores") }
YAML
if [[ "${1:-}" == "--mic" ]]; then
  "$bin/earshotd" --config "$cfg"   # not exec: the trap above still runs after Ctrl-C
  exit
fi
rec=${1:-demo/demo-gunshots.flac}
echo "== earshot detect $rec (file analysis)"
"$bin/earshot" detect "$rec"
echo "== earshotd --replay $rec (real ALSA capture path, real time)"
"$bin/earshotd" --config "$cfg" --replay "$rec"

#!/usr/bin/env bash
# The README's first command: set up Earshot and run the detector on the bundled recording, captured through
# the real ALSA path (alsa-lib's file plugin, snd_pcm_readi) at real time. Alerts print as journal fields
# (or go to the journal when journald runs). With --mic, listens to the default microphone instead (Ctrl-C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh
swift build -c release --product earshotd >/dev/null
swift build -c release --product earshot >/dev/null
bin=$(swift build -c release --show-bin-path)
cfg=$(mktemp -d)/earshot.yaml
cat > "$cfg" <<YAML
clips: { directory: $(dirname "$cfg")/clips }
metrics: { path: $(dirname "$cfg")/earshot.prom }
YAML
if [[ "${1:-}" == "--mic" ]]; then
  exec "$bin/earshotd" --config "$cfg"
fi
rec=${1:-demo/demo-gunshots.flac}
echo "== earshot detect $rec (file analysis)"
"$bin/earshot" detect "$rec"
echo "== earshotd --replay $rec (real ALSA capture path, real time)"
"$bin/earshotd" --config "$cfg" --replay "$rec"

#!/usr/bin/env bash
# The audio hot paths allocate nothing per capture block or CNN window: the release builds of `earshot detect`
# (libsndfile → features → CNN → decision rule, with every convolution kernel) and of `earshotd` (the real ALSA
# capture path: alsa-lib's file plugin replays noise through snd_pcm_readi → ring → detection loop, with
# liveness, evidence clips, metrics, a site recording and the score log on; once more on a 48 kHz `plug` device,
# which the capture thread resamples with libsoxr; and on two channels mixed, whose levels the capture thread and
# the liveness monitor's cancelling window count) each run 20 s and 80 s of audio under a malloc
# counter (scripts/malloc-count.c, LD_PRELOAD). The 60 s more are 600 capture blocks and 600 windows, so one
# allocation per block or window adds ≥ 600; start-up, thread timing and a few once-a-second status lines
# give a few dozen at most, so more than one per second of audio (60) fails.
# earshotd reads a raw file through its own ALSA config here, not `earshotd --replay`: replay decodes and paces
# the whole file in the process, which adds 71–76 mallocs for the 60 s more (at --pace 1000), past the limit.
# Run by scripts/test.sh after the tests; by hand: bash scripts/check-allocations.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product earshot >/dev/null
swift build -c release --product earshotd >/dev/null
bin=$(swift build -c release --show-bin-path)
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
${CC:-clang} -O2 -shared -fPIC -o "$work/malloc-count.so" scripts/malloc-count.c -ldl

short=20 long=80 limit=60
for s in $short $long; do
  sox -R -n -r 16000 -c 1 -b 16 "$work/noise$s.wav" synth "$s" whitenoise vol 0.05
  sox "$work/noise$s.wav" -t raw -e signed -b 16 -L "$work/noise$s.raw"
  printf 'pcm.!default {\n type file\n slave.pcm { type null }\n file "/dev/null"\n infile "%s"\n format "raw"\n}\n' \
    "$work/noise$s.raw" > "$work/asound$s.conf"
  # the same noise from a device whose hardware runs at 48 kHz (most USB microphones)
  sox "$work/noise$s.wav" -r 48000 -t raw -e signed -b 16 -L "$work/noise48k$s.raw"
  printf 'pcm.!default {\n type plug\n slave { pcm { type file slave.pcm { type null } file "/dev/null" infile "%s" format "raw" } rate 48000 }\n}\n' \
    "$work/noise48k$s.raw" > "$work/asound48k$s.conf"
  # the same noise on two channels, mixed (channel: mix)
  sox "$work/noise$s.wav" -c 2 -t raw -e signed -b 16 -L "$work/noise2ch$s.raw"
  printf 'pcm.!default {\n type file\n slave.pcm { type null }\n file "/dev/null"\n infile "%s"\n format "raw"\n}\n' \
    "$work/noise2ch$s.raw" > "$work/asound2ch$s.conf"
done
cat > "$work/earshot.yaml" <<YAML
clips: { directory: '$work/clips' }
metrics: { path: '$work/earshot.prom' }
recording: { enabled: true, directory: '$work/recordings' }
scores: { directory: '$work/scores' }
YAML
{ cat "$work/earshot.yaml"; echo "channels: 2"; } > "$work/earshot2ch.yaml"

# Runs "$@" under the counter and prints its own count (not a child's), or fails with its stderr.
count() {
  local err=$work/stderr pid n
  env LD_PRELOAD="$work/malloc-count.so" "$@" >/dev/null 2>"$err" &
  pid=$!
  if ! wait "$pid"; then echo "check-allocations: '$*' failed:" >&2; tail -n 20 "$err" >&2; return 1; fi
  n=$(awk -v p="$pid" '$1 == "malloc-count" && $2 == p { print $3 }' "$err")
  [[ -n $n ]] || { echo "check-allocations: no count from '$*' (did the LD_PRELOAD counter load?)" >&2; tail -n 20 "$err" >&2; return 1; }
  echo "$n"
}

failed=0
check() {   # name, count for $short s, count for $long s
  local growth=$(($3 - $2)) shown
  shown=$(printf '%+d' "$growth")
  if ((growth > limit)); then
    echo "allocations: FAIL $1: $2 mallocs for ${short} s of audio, $3 for ${long} s ($shown, limit $limit): something allocates per block or window"
    failed=1
  else
    echo "allocations: ok $1: $2 mallocs for ${short} s of audio, $3 for ${long} s ($shown)"
  fi
}

for kernel in blas avx2 avx512; do
  a=$(count env EARSHOT_CONV_KERNEL=$kernel "$bin/earshot" detect "$work/noise$short.wav")
  b=$(count env EARSHOT_CONV_KERNEL=$kernel "$bin/earshot" detect "$work/noise$long.wav")
  check "earshot detect (EARSHOT_CONV_KERNEL=$kernel; a kernel this CPU lacks falls back)" "$a" "$b"
done
# earshotd's count moves by dozens from run to run with thread timing (the 48 kHz device's growth was −15 to +51
# over four CI runs, limit 60): the lesser of two runs of each length keeps that out, while an allocation per block
# or window still adds ≥ 600 to every run of the longer one.
daemon() {   # ALSA config, frames[, earshotd config]: the lesser count of two earshotd runs
  local x y config=${3:-$work/earshot.yaml}
  rm -rf -- "$work/recordings" "$work/clips" "$work/scores"
  x=$(count env ALSA_CONFIG_PATH="$1" "$bin/earshotd" --config "$config" --max-frames "$2" --exit-at-end) || return 1
  rm -rf -- "$work/recordings" "$work/clips" "$work/scores"
  y=$(count env ALSA_CONFIG_PATH="$1" "$bin/earshotd" --config "$config" --max-frames "$2" --exit-at-end) || return 1
  echo $((x < y ? x : y))
}
a=$(daemon "$work/asound$short.conf" $((16000 * short)))
b=$(daemon "$work/asound$long.conf" $((16000 * long)))
check "earshotd (ALSA file plugin, liveness, clips, metrics, recording, score log)" "$a" "$b"
a=$(daemon "$work/asound48k$short.conf" $((48000 * short)))
b=$(daemon "$work/asound48k$long.conf" $((48000 * long)))
check "earshotd on a 48 kHz plug device (the same, resampled by libsoxr in the capture thread)" "$a" "$b"
a=$(daemon "$work/asound2ch$short.conf" $((16000 * short)) "$work/earshot2ch.yaml")
b=$(daemon "$work/asound2ch$long.conf" $((16000 * long)) "$work/earshot2ch.yaml")
check "earshotd on two channels mixed (the same, with the mix's levels and the cancelling window)" "$a" "$b"
exit "$failed"

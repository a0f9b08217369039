#!/usr/bin/env python3
"""The corpus figures behind earshotd scoring the audio's end when it stops (the device lost or stalled,
earshotd stopping; README "Troubleshooting", "audio ended"). Needs numpy, sox and a release build
(swift build -c release --product earshotd --product earshot):
    python3 scripts/audio-end-corpus.py [CORPUS] [CLIPS] [CLASS]   (default ../shared/corpus, 80, gunshot)
For CLIPS random clips of CLASS (seeded; negative or crowd: the alerts are false alarms): 2 s of quiet (Gaussian, -60 dBFS), then the clip up to d seconds after
its loudest sample, d = 0.1, 0.25, 0.5, 1.0. The clips with an alert, when
  - the audio ends there: the release earshotd through ALSA's file plugin, to the recording's end (--exit-at-end,
    which scores the end as a lost or stalled device does);
  - 2 s of the same quiet go on after it (the stream did not end);
  - the same samples are a file for `earshot detect` (its end mirrored, the same half-window).
Measured 2026-12-07 (the windows on whole capture blocks, b713aad): ends 38/49/51/53 of 80 at d = 0.1/0.25/0.5/1.0,
quiet after 39/41/51/53, detect 39/47/54/54; without the end scored (earshotd 28188d0^ with b713aad's grid fix),
ends 26/36/50/53. 150 negatives: ends 3/4/6/6 (without: 2/4/5/6), quiet after 7/4/5/6, detect 2/3/5/5.
(Figures taken before b713aad depend on the machine's load: the windows then lined up with the file's end when
the detection loop first looked after the whole file was read.)"""
import glob, json, os, random, subprocess, sys, tempfile, wave
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../shared/corpus")
count = int(sys.argv[2]) if len(sys.argv) > 2 else 80
cls = sys.argv[3] if len(sys.argv) > 3 else "gunshot"
rel = os.path.join(here, "../.build/release")
model = os.path.join(here, "../models/earshot-default.safetensors")
tmp = tempfile.mkdtemp(prefix="earshot-audio-end-")
random.seed(7)
rng = np.random.default_rng(1)


def load(f):
    raw = subprocess.run(["sox", f, "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", "16000", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def pcm(x):
    return (np.clip(x, -1, 1) * 32767).astype("<i2")


open(f"{tmp}/asound.conf", "w").write(
    f'pcm.!default {{ type file slave.pcm {{ type null }} file "/dev/null" infile "{tmp}/in.raw" format "raw" }}\n')
open(f"{tmp}/earshot.yaml", "w").write(
    f"device: default\nmodel: {model}\nclips:\n  enabled: false\nmetrics:\n  enabled: false\n"
    "scores:\n  enabled: false\nliveness:\n  enabled: false\n")
os.makedirs(f"{tmp}/state", exist_ok=True)


def daemon(x):
    """Alerts earshotd raises on x, through the real ALSA path, ending with it."""
    pcm(x).tofile(f"{tmp}/in.raw")
    env = dict(PATH="/usr/bin:/bin", ALSA_CONFIG_PATH=f"{tmp}/asound.conf", STATE_DIRECTORY=f"{tmp}/state")
    r = subprocess.run([f"{rel}/earshotd", "--config", f"{tmp}/earshot.yaml", "--max-frames", str(len(x)), "--exit-at-end"],
                       env=env, capture_output=True, text=True)
    return r.stderr.count("ALERT MESSAGE=")


def detect(x):
    """Events `earshot detect` finds in x as a WAV file."""
    p = f"{tmp}/audio.wav"
    with wave.open(p, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(pcm(x).tobytes())
    out = subprocess.run([f"{rel}/earshot", "detect", "--json", "--model", model, p], capture_output=True, text=True).stdout
    return sum(1 for line in out.splitlines() if json.loads(line).get("type") == "event")


ds = [0.1, 0.25, 0.5, 1.0]
found = {(d, k): 0 for d in ds for k in ("ends", "quiet after", "detect")}
files = random.sample(sorted(glob.glob(os.path.join(corpus, cls, "*.flac"))), count)
used = 0
for f in files:
    x = load(f)
    if len(x) < 1600:
        continue
    used += 1
    peak = int(np.argmax(np.abs(x)))
    bed = rng.normal(0, 0.001, 32000).astype(np.float32)
    for d in ds:
        audio = np.concatenate([bed, x[:peak + int(d * 16000)]])
        found[(d, "ends")] += daemon(audio) > 0
        found[(d, "quiet after")] += daemon(np.concatenate([audio, rng.normal(0, 0.001, 32000).astype(np.float32)])) > 0
        found[(d, "detect")] += detect(audio) > 0
print(f"{used} {cls} clips; clips with an alert, the audio ending d s after the clip's peak:")
print("d (s)   ends   quiet after   earshot detect")
for d in ds:
    print(f"{d:<6}  {found[(d, 'ends')]:>4}   {found[(d, 'quiet after')]:>11}   {found[(d, 'detect')]:>14}")

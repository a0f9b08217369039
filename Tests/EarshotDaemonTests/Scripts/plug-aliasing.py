#!/usr/bin/env python3
"""What a 48 kHz microphone's audio loses when it is brought to 16 kHz by keeping every third sample (alsa-lib's own
linear converter at 3:1, which earshotd got from a plug device — plughw:, `default` — before it took the device's
own rate) instead of libsoxr (what earshotd, `earshot listen`, `calibrate` and `detect` do now).

The corpus is 16 kHz, so each clip is brought to 48 kHz (scipy's polyphase filter) and white noise — a
microphone's and a room's hiss, which has sound above 8 kHz — is added at 48 kHz at each level; then the two
16 kHz versions are scored by `earshot detect --json` with the default model and threshold. The clips themselves
have nothing above 8 kHz, so a real shot's crack, which does, would fold too: this measures the noise's part only.

    python3 plug-aliasing.py CORPUS EARSHOT_BINARY [WORKDIR]     # needs numpy, scipy and sox
Test sources: gabemagee_guns (129 shots, whole source held out of training), gabemagee_others and glass_gbtd
(120 negatives).
"""
import json, os, subprocess, sys, tempfile, wave
import numpy as np
from scipy.signal import resample_poly

corpus, earshot = sys.argv[1], sys.argv[2]
work = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="plug-aliasing-")
rng = np.random.default_rng(7)
sets = {"shots": ("gunshot/gabemagee_guns__",), "negatives": ("negative/gabemagee_others__", "negative/glass_gbtd__")}
names = [l.split("\t")[0] for l in open(os.path.join(corpus, "manifest.tsv")).read().splitlines()[1:]]


def read(path):
    r = subprocess.run(["sox", path, "-t", "raw", "-e", "float", "-b", "32", "-c", "1", "-r", "16000", "-"],
                       capture_output=True, check=True)
    return np.frombuffer(r.stdout, dtype=np.float32).astype(np.float64)


def write(path, x, rate):
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
        w.writeframes(np.clip(np.round(x * 32767), -32768, 32767).astype("<i2").tobytes())


def score(folder):
    r = subprocess.run([earshot, "detect", "--json", folder], capture_output=True, text=True)
    files = [x for x in map(json.loads, r.stdout.splitlines()) if x["type"] == "file"]
    return sum(1 for f in files if f["events"] > 0), sum(f["events"] for f in files), len(files)


print("| hiss at 48 kHz (RMS) | shots found, every third sample | shots found, libsoxr | negative events, every third sample | negative events, libsoxr |")
print("|---|---|---|---|---|")
for level in (None, -60.0, -45.0):
    row = {}
    for kind, prefixes in sets.items():
        for way in ("third", "soxr"):
            os.makedirs(os.path.join(work, str(level), kind, way), exist_ok=True)
        for name in sorted(n for n in names if n.startswith(prefixes)):
            x48 = resample_poly(read(os.path.join(corpus, name)), 3, 1)
            if level is not None:
                x48 = x48 + rng.normal(0, 10 ** (level / 20), x48.size)
            out = os.path.basename(name).replace(".flac", ".wav")
            write(os.path.join(work, str(level), kind, "soxr", out), x48, 48000)      # detect resamples it with libsoxr
            write(os.path.join(work, str(level), kind, "third", out), x48[::3], 16000)
        for way in ("third", "soxr"):
            row[kind, way] = score(os.path.join(work, str(level), kind, way))
    s, n = row["shots", "third"][2], row["negatives", "third"][2]
    print(f"| {'none' if level is None else f'{level:g} dBFS'} | {row['shots', 'third'][0]} of {s} | {row['shots', 'soxr'][0]} of {s} "
          f"| {row['negatives', 'third'][1]} in {n} clips | {row['negatives', 'soxr'][1]} in {n} clips |")

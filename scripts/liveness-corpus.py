#!/usr/bin/env python3
"""The corpus figures behind earshotd's near-silence and cancelling-channels checks (liveness:, README
"Troubleshooting"). Needs numpy, sox and a release `earshot` (swift build -c release --product earshot):
    python3 scripts/liveness-corpus.py [CORPUS]   (default ../shared/corpus)
1. The longest stretch of 100 ms blocks whose peak is 1–3 LSB (near silence, not digital zero) in each class:
   how long a real recording stays that quiet.
2. Clips made into a microphone pair (each with its own noise at -70 dBFS), the second channel phase-inverted or
   not, 0/2/5 samples apart; and unrelated pairs (two clips): the share of 100 ms blocks with sound whose mix
   has less than half (cancelling) or more than 1.5× (in phase) the energy of channels with nothing in common.
3. 150 gunshot clips as a phase-inverted pair's mix, 0/1/2/5 samples apart, and one channel alone: the clips in
   which `earshot detect` finds an event."""
import glob, os, random, subprocess, sys, tempfile, wave, json
import numpy as np

corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../shared/corpus")
here = os.path.dirname(os.path.abspath(__file__))
earshot = os.path.join(here, "../.build/release/earshot")

def load(f):
    raw = subprocess.run(["sox", f, "-t", "raw", "-e", "signed", "-b", "16", "-c", "1", "-r", "16000", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768

def blocks(x):
    n = len(x) // 1600 * 1600
    return x[:n].reshape(-1, 1600)

print("1. longest near-silent stretch (100 ms blocks peaking at 1-3 LSB)")
for cls in ["gunshot", "negative", "crowd"]:
    files = sorted(glob.glob(os.path.join(corpus, cls, "*.flac")))
    best, where = 0, ""
    for f in files:
        b = blocks(load(f))
        if len(b) == 0: continue
        p = np.round(np.abs(b).max(1) * 32768)
        run = 0
        for q in (p >= 1) & (p <= 3):
            run = run + 1 if q else 0
            if run > best: best, where = run, os.path.basename(f)
    print(f"   {cls}: {len(files)} clips, longest {best / 10:.1f} s ({where})")

random.seed(1)
rng = np.random.default_rng(0)
pool = random.sample(sorted(glob.glob(os.path.join(corpus, "crowd", "*.flac")) + glob.glob(os.path.join(corpus, "negative", "*.flac"))), 300)
hiss = 10 ** (-70 / 20)
def shares(a, b):
    n = min(len(a), len(b)) // 1600 * 1600
    if n == 0: return None
    a, b = a[:n], b[:n]
    mix = ((a + b) / 2) ** 2; un = (a * a + b * b) / 4
    ms, us = mix.reshape(-1, 1600).sum(1), un.reshape(-1, 1600).sum(1)
    sound = (np.maximum(np.abs(a), np.abs(b)).reshape(-1, 1600).max(1) >= 1e-4) & (us > 0)
    r = ms[sound] / us[sound]
    return None if len(r) == 0 else ((r < 0.5).mean(), (r > 1.5).mean())
print("2. blocks with sound that cancel / are in phase (mean over 300 crowd and negative clips)")
for sign, name in [(-1, "phase-inverted"), (1, "in phase")]:
    for d in [0, 2, 5]:
        got = []
        for f in pool:
            x = load(f)
            if len(x) < 1600 + d: continue
            m = len(x) - d
            s = shares(x[d:] + rng.normal(0, hiss, m), sign * x[:m] + rng.normal(0, hiss, m))
            if s: got.append(s)
        g = np.array(got)
        print(f"   {name}, {d} samples apart: cancelling {g[:, 0].mean():.3f}, in phase {g[:, 1].mean():.3f}")
got = [s for s in (shares(load(f), load(g)) for f, g in zip(pool[::2], pool[1::2])) if s]
g = np.array(got)
print(f"   two unrelated clips: cancelling {g[:, 0].mean():.4f}, in phase {g[:, 1].mean():.4f}")

print("3. gunshot clips in which earshot detect finds an event")
random.seed(2)
shots = random.sample(sorted(glob.glob(os.path.join(corpus, "gunshot", "*.flac"))), 150)
tmp = tempfile.mkdtemp(prefix="earshot-liveness-")
def save(p, x):
    with wave.open(p, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
        w.writeframes(np.clip(np.round(x * 32768), -32768, 32767).astype("<i2").tobytes())
variants = {"one channel": None, "mix, 0 apart": 0, "mix, 1 apart": 1, "mix, 2 apart": 2, "mix, 5 apart": 5}
for v in variants: os.makedirs(os.path.join(tmp, v))
for i, f in enumerate(shots):
    x = np.concatenate([load(f), np.zeros(8)]); n = len(x) - 8
    for v, d in variants.items():
        save(os.path.join(tmp, v, f"{i:03d}.wav"), x[:n] if d is None else (x[d:d + n] - x[:n]) / 2)
for v in variants:
    out = subprocess.run([earshot, "detect", "--json", os.path.join(tmp, v)], capture_output=True, text=True).stdout
    files = {json.loads(l)["file"] for l in out.splitlines() if '"type":"event"' in l}
    print(f"   {v}: {len(files)} of {len(shots)}")

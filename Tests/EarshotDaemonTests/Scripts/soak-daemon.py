#!/usr/bin/env python3
"""earshotd soak run (docs/benchmarks/daemon.md, "Soak"): many hours of audio through the real ALSA capture
path, unpaced, with a real shot planted every minute, so every alert path runs over and over — journal fallback
to stderr, evidence clips with retention, the hook — and the daemon's memory, file descriptors and threads are
sampled as the audio goes by. Run from the repository root after `swift build -c release --product earshotd`:
    sox demo/demo-gunshots.flac -t raw -e signed -b 16 -r 16000 -c 1 /tmp/shot.raw trim 2.0 1.0
    python3 Tests/EarshotDaemonTests/Scripts/soak-daemon.py .build/release/earshotd models/earshot-default.safetensors /tmp/shot.raw HOURS
Capture is alsa-lib's file plugin over a null slave (ALSA_CONFIG_PATH), reading a raw file made of one
60 s block (low noise, the shot at 30 s) repeated. Prints `figure value unit` lines and a sample table."""
import os, random, shutil, socket, struct, subprocess, sys, tempfile, time

exe, model, shot_raw = sys.argv[1], sys.argv[2], sys.argv[3]
HOURS = float(sys.argv[4]) if len(sys.argv) > 4 else 1.0
RATE, BLOCK = 16000, 60
tmp = tempfile.mkdtemp(prefix="earshot-soak-")
blocks = int(HOURS * 3600 / BLOCK)
frames = blocks * BLOCK * RATE

d = open(shot_raw, "rb").read()
shot = struct.unpack("<%dh" % (len(d) // 2), d)
rnd = random.Random(1)
x = [int(rnd.uniform(-1, 1) * 0.003 * 32768) for _ in range(BLOCK * RATE)]
for k, v in enumerate(shot):
    i = 30 * RATE + k
    x[i] = max(-32768, min(32767, x[i] + v))
block = struct.pack("<%dh" % len(x), *x)
raw = os.path.join(tmp, "capture.raw")
with open(raw, "wb") as f:
    for _ in range(blocks):
        f.write(block)

asound = os.path.join(tmp, "asound.conf")
open(asound, "w").write('pcm.!default { type file slave.pcm { type null } file "/dev/null" infile "%s" format "raw" }\n' % raw)
hook = os.path.join(tmp, "hook.sh")
hook_log = os.path.join(tmp, "hook.log")
open(hook, "w").write('#!/bin/sh\necho "$EARSHOT_EVENT_ID" >> %s\n' % hook_log)
os.chmod(hook, 0o755)
clips = os.path.join(tmp, "clips")
prom = os.path.join(tmp, "earshot.prom")
cfg = os.path.join(tmp, "earshot.yaml")
open(cfg, "w").write("device: default\nmodel: %s\nhook:\n  path: %s\nclips:\n  directory: %s\n  max_count: 50\n"
                     "metrics:\n  path: %s\n  interval_seconds: 1\n" % (model, hook, clips, prom))

sock_path = os.path.join(tmp, "notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sock_path); s.settimeout(0.05)
env = {"PATH": "/usr/bin:/bin", "ALSA_CONFIG_PATH": asound, "NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "30000000",
       "OPENBLAS_NUM_THREADS": "1"}
err = open(os.path.join(tmp, "stderr.txt"), "w")
p = subprocess.Popen([exe, "--config", cfg, "--max-frames", str(frames), "--exit-at-end"], env=env, stderr=err)

def status(pid):
    out = {}
    try:
        for line in open("/proc/%d/status" % pid):
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "Threads"): out[k] = int(v.split()[0])
        out["fds"] = len(os.listdir("/proc/%d/fd" % pid))
    except (FileNotFoundError, ProcessLookupError):
        return None
    return out

def metric(name):
    try:
        for line in open(prom):
            if line.startswith(name + " "): return float(line.split()[1])
    except FileNotFoundError:
        pass
    return 0.0

samples, watchdog, t0, last = [], 0, time.time(), 0.0
while p.poll() is None:
    try:
        m = s.recv(4096).decode()
        watchdog += "WATCHDOG=1" in m.split("\n")
    except socket.timeout:
        pass
    if time.time() - last >= 2:
        last = time.time()
        st = status(p.pid)
        if st: samples.append((metric("earshot_audio_seconds_total") / 3600, st))
rc = p.wait(); err.close(); s.close()
elapsed = time.time() - t0

print("# audio h | RSS MB | peak RSS MB | threads | fds")
step = max(1, len(samples) // 12)
for h, st in samples[::step] + samples[-1:]:
    print("# %7.2f | %6.1f | %6.1f | %3d | %3d" % (h, st["VmRSS"] / 1024, st["VmHWM"] / 1024, st["Threads"], st["fds"]))
live = [(h, st) for h, st in samples if h >= 0.05]   # after the first 3 minutes of audio (warm-up)
print("soak_audio_hours %.2f h" % (frames / RATE / 3600))
print("soak_elapsed_s %.0f s" % elapsed)
print("soak_exit_status %d" % rc)
if live:
    print("soak_rss_mb_first %.1f MB" % (live[0][1]["VmRSS"] / 1024))
    print("soak_rss_mb_last %.1f MB" % (live[-1][1]["VmRSS"] / 1024))
    print("soak_rss_mb_max %.1f MB" % (max(st["VmRSS"] for _, st in live) / 1024))
    print("soak_fds_min_max %d %d" % (min(st["fds"] for _, st in live), max(st["fds"] for _, st in live)))
    print("soak_threads_min_max %d %d" % (min(st["Threads"] for _, st in live), max(st["Threads"] for _, st in live)))
alerts = sum(1 for l in open(os.path.join(tmp, "stderr.txt")) if "ALERT MESSAGE=" in l)
hooks = sum(1 for _ in open(hook_log)) if os.path.exists(hook_log) else 0
print("soak_shots_planted %d" % blocks)
print("soak_alerts %d" % alerts)
print("soak_hook_runs %d" % hooks)
print("soak_clips_on_disk %d" % (len(os.listdir(clips)) if os.path.isdir(clips) else 0))
print("soak_watchdog_pings %d" % watchdog)
for name in ("earshot_events_total", "earshot_clips_written_total", "earshot_hook_runs_total", "earshot_hook_dropped_total",
             "earshot_hook_failures_total", "earshot_overruns_total", "earshot_clip_failures_total"):
    print("soak_%s %d" % (name[len("earshot_"):], metric(name)))
shutil.rmtree(tmp)

#!/usr/bin/env python3
"""earshotd benchmark (docs/benchmarks/daemon.md). Run as root from the repository root after
`swift build -c release --product earshotd`:
    python3 Tests/EarshotDaemonTests/Scripts/bench-daemon.py EARSHOTD REF_MODEL ENERGY_MODEL [SECONDS]
REF_MODEL: any model with the reference CNN (62,818 params, 37.2 MFLOP/window) — CPU, RSS, exec→READY.
ENERGY_MODEL: the tests' hand-set energy model (detects planted bursts) — alert latency in a private journal;
with EARSHOT_BENCH_SHOT (below) a real shot is planted instead, for a model trained on real shots.
Capture is alsa-lib's file plugin over a null slave (ALSA_CONFIG_PATH), paced at real time (--pace 1): each
period is handed on when its last sample would have been recorded, and alert latency is timed from the pacing's
start (logged by earshotd), so it is what a sound card's listener would see.
With EARSHOT_BENCH_RATE=44100 or 48000 the device runs at that rate (a `plug` over the file plugin, the recording
brought to it by sox), so earshotd resamples as it does for most USB microphones.
With EARSHOT_BENCH_RELOAD_AT=S the latency run is sent SIGHUP S seconds after READY (before the first shot, at
5 s), with a config that changes ring_seconds: the detector is kept and a new capture thread opens the device again
(the recording starts over), as after a device lost and reopened.
Prints `figure value unit` lines."""
import datetime, json, os, random, socket, struct, subprocess, sys, tempfile, time, math, statistics

exe, ref, energy = sys.argv[1], sys.argv[2], sys.argv[3]
SEC = int(sys.argv[4]) if len(sys.argv) > 4 else 65
RATE = 16000
DEV_RATE = int(os.environ.get("EARSHOT_BENCH_RATE", RATE))   # the capture device's rate
here = os.path.dirname(os.path.abspath(__file__))
tmp = tempfile.mkdtemp(prefix="earshot-bench-")
# A shot every 10 s, each at another point of the 0.1 s hop (0, 1/N, …, (N−1)/N of it for N shots): the latency
# depends on where a shot falls between two scored windows, so one fixed point would measure one case only.
N_SHOTS = int((SEC - 6) // 10) + 1
SHOTS = [5.0 + 10 * k + k * 0.1 / N_SHOTS for k in range(N_SHOTS)]

# EARSHOT_BENCH_SHOT: a raw S16_LE 16 kHz mono recording of a real shot planted at each shot time instead of the
# synthetic burst (a model trained on real shots need not take a bare noise burst for one), e.g.
#   sox demo/demo-gunshots.flac -t raw -e signed -b 16 -r 16000 -c 1 /tmp/shot.raw trim 2.0 1.0
# The planted onset is then its first sample above 10 % of its peak.
SHOT_RAW = os.environ.get("EARSHOT_BENCH_SHOT")
SHOT = None
if SHOT_RAW:
    d = open(SHOT_RAW, "rb").read()
    SHOT = [v / 32768 for v in struct.unpack("<%dh" % (len(d) // 2), d)]
ONSET = 0.0
if SHOT:
    peak = max(abs(v) for v in SHOT)
    ONSET = next(k for k, v in enumerate(SHOT) if abs(v) > 0.1 * peak) / RATE

def recording(path):
    rnd = random.Random(1); n = SEC * RATE; x = [rnd.uniform(-1, 1) * 0.003 for _ in range(n)]
    for t in SHOTS:
        i0 = int(t * RATE)
        if SHOT:
            for k, v in enumerate(SHOT):
                if i0 + k < n: x[i0 + k] += v
            continue
        for k in range(RATE // 4):
            if i0 + k < n: x[i0 + k] += 0.8 * rnd.uniform(-1, 1) * math.exp(-k / (RATE / 20))
    with open(path, "wb") as f:
        f.write(struct.pack("<%dh" % n, *[max(-32768, min(32767, round(v * 32768))) for v in x]))
    if DEV_RATE != RATE:
        fmt = ["-t", "raw", "-e", "signed", "-b", "16", "-c", "1"]
        subprocess.run(["sox"] + fmt + ["-r", str(RATE), path] + fmt + ["-r", str(DEV_RATE), path + ".dev"], check=True)
        os.replace(path + ".dev", path)
        n = os.path.getsize(path) // 2
    return n

raw = os.path.join(tmp, "capture.raw"); frames = recording(raw)
asound = os.path.join(tmp, "asound.conf")
file_pcm = 'type file slave.pcm { type null } file "/dev/null" infile "%s" format "raw"' % raw
open(asound, "w").write('pcm.!default { %s }\n' % file_pcm if DEV_RATE == RATE else
                        'pcm.!default { type plug slave { pcm { %s } rate %d } }\n' % (file_pcm, DEV_RATE))

RELOAD_AT = float(os.environ.get("EARSHOT_BENCH_RELOAD_AT", "0"))

def config(model, extra=""):
    p = os.path.join(tmp, os.path.basename(model) + ".yaml")
    open(p, "w").write("device: default\nmodel: %s\ncooldown: 1\nclips:\n  enabled: false\nmetrics:\n  enabled: false\n%s" % (model, extra))
    return p

def notify_socket():
    path = os.path.join(tmp, "notify-%d.sock" % random.randrange(1 << 30))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(path); s.settimeout(0.05)
    return s, path

def run(model, pace=True, journal_out=None, frames_=frames):
    """Runs earshotd to the end of the recording; returns (t_exec, ready_time, messages, rusage lines)."""
    s, path = notify_socket()
    env = {"PATH": "/usr/bin:/bin", "ALSA_CONFIG_PATH": asound, "NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000",
           "OPENBLAS_NUM_THREADS": "1"}  # as systemd/earshotd.service sets it
    for v in ("OPENBLAS_CORETYPE", "EARSHOT_CONV_KERNEL"):  # an operator's choice of kernels (the unit's Environment=) is passed on
        if v in os.environ:
            env[v] = os.environ[v]
    args = [exe, "--config", config(model), "--max-frames", str(frames_), "--exit-at-end"] + (["--pace", "1"] if pace else [])
    tv = os.path.join(tmp, "time.txt")
    if journal_out:
        env["JOURNAL_STREAM"] = "8:1"
        args = ["unshare", "-m", "bash", os.path.join(here, "private-journal.sh"), journal_out] + args
    args = ["/usr/bin/time", "-f", "%U %S %M %e", "-o", tv] + args
    t0 = time.time(); p = subprocess.Popen(args, env=env, stderr=subprocess.DEVNULL); ready = None; msgs = []
    reload = RELOAD_AT > 0 and journal_out is not None
    while p.poll() is None:
        try:
            m = s.recv(4096).decode(); now = time.time(); msgs.append((now, m))
            if ready is None and "READY=1" in m.split("\n"): ready = now
        except socket.timeout: pass
        if reload and ready is not None and time.time() >= ready + RELOAD_AT:
            reload = False
            config(model, "ring_seconds: 31\n")   # another capture setting: a new capture thread, the detector kept
            subprocess.run(["pkill", "-HUP", "-x", os.path.basename(exe)[:15]], check=True)
    s.close(); os.unlink(path)
    u, st, maxrss, el = open(tv).read().split()[-4:]
    return dict(t0=t0, ready=ready, msgs=msgs, user=float(u), sys=float(st), maxrss_kb=int(maxrss), elapsed=float(el), rc=p.returncode)

# 1) exec → READY (reference CNN), 5 cold starts on 1 s of audio
readys = []
for _ in range(5):
    r = run(ref, pace=False, frames_=DEV_RATE)
    readys.append((r["ready"] - r["t0"]) * 1e3)
print("# exec_to_ready runs:", " ".join("%.1f" % v for v in readys))
print("daemon_exec_to_ready_ms_median %.1f ms" % statistics.median(readys))

# 1b) the same work unpaced (as fast as the file plugin delivers): processing cost without the idle loop,
#     comparable with the peers' "ms per audio second" (which excludes start-up: subtract the 1 s run's CPU)
short = [run(ref, pace=False, frames_=DEV_RATE) for _ in range(3)]
startup_cpu = statistics.median(x["user"] + x["sys"] for x in short)
full = run(ref, pace=False)
print("# unpaced ref run: user %.2f s sys %.2f s elapsed %.2f s; start-up CPU (1 s audio) %.3f s" % (full["user"], full["sys"], full["elapsed"], startup_cpu))
print("daemon_ref_unpaced_cpu_ms_per_audio_second %.2f ms" % ((full["user"] + full["sys"] - startup_cpu) / (SEC - 1) * 1e3))
print("daemon_ref_startup_cpu_ms %.0f ms" % (startup_cpu * 1e3))

# 2) CPU and peak RSS at real time, reference CNN, hop 0.1 s (10 windows/s)
r = run(ref)
cpu = r["user"] + r["sys"]
print("# ref run: user %.2f s sys %.2f s elapsed %.1f s audio %d s rc %d" % (r["user"], r["sys"], r["elapsed"], SEC, r["rc"]))
print("daemon_ref_cpu_ms_per_audio_second %.2f ms" % (cpu / SEC * 1e3))
print("daemon_ref_cpu_percent_of_one_core %.2f %%" % (cpu / r["elapsed"] * 100))
print("daemon_ref_peak_rss_mb %.1f MB" % (r["maxrss_kb"] / 1024))
print("daemon_ref_watchdog_pings %d" % sum("WATCHDOG=1" in m for _, m in r["msgs"]))

# 3) alert latency: planted onset → journal entry (energy model, private journald, real time)
out = os.path.join(tmp, "journal.json")
r = run(energy, journal_out=out)
# Audio time 0 is when the paced capture started (earshotd logs it: EARSHOT_PACE_ORIGIN_US); each block is then
# handed on once its last sample "was recorded", as from a sound card. READY comes a variable few tens of ms
# before that, so timing from READY would add a per-run offset.
entries = [json.loads(l) for l in open(out)]
# after a reload (EARSHOT_BENCH_RELOAD_AT) the new capture thread plays the recording from its start: the last origin
origin = [int(e["EARSHOT_PACE_ORIGIN_US"]) / 1e6 for e in entries if "EARSHOT_PACE_ORIGIN_US" in e][-1]
print("# paced capture started %.1f ms after READY was received" % ((origin - r["ready"]) * 1e3))
alerts = [e for e in entries if e.get("MESSAGE_ID") == "88a049a25a974a828bee9f70b35c0a93"]
# Per alert: latency (journal entry − planted onset), and EARSHOT_START (the event's start as earshotd stamps it:
# now minus how far back in the stream it began) against the planted onset and against audio time 0 + its offset
lat, stamp_err, offset_err = [], [], []
for a in alerts:
    offset = float(a["EARSHOT_OFFSET"])
    heard = int(a["__REALTIME_TIMESTAMP"]) / 1e6 - origin   # the shot before the alert (the stream's offsets include the audio before a reload)
    shot = max((t for t in SHOTS if t + ONSET < heard), default=SHOTS[0]) + ONSET
    lat.append((int(a["__REALTIME_TIMESTAMP"]) / 1e6 - (origin + shot)) * 1e3)
    st = datetime.datetime.strptime(a["EARSHOT_START"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
    stamp_err.append((st - (origin + shot)) * 1e3)
    if RELOAD_AT <= 0: offset_err.append((st - (origin + offset)) * 1e3)
if stamp_err:
    print("# EARSHOT_START minus the planted onset, ms: %s" % " ".join("%.0f" % v for v in stamp_err))
    print("# EARSHOT_START minus audio time 0 + EARSHOT_OFFSET (the stamp's own error), ms: %s" % " ".join("%.0f" % v for v in offset_err))
    print("daemon_start_stamp_error_ms_median %.0f ms" % statistics.median(stamp_err))
print("# energy run: user %.2f s sys %.2f s elapsed %.1f s; %d alerts for %d shots; latencies ms: %s" % (
    r["user"], r["sys"], r["elapsed"], len(alerts), len(SHOTS), " ".join("%.0f" % v for v in lat)))
print("daemon_energy_cpu_ms_per_audio_second %.2f ms" % ((r["user"] + r["sys"]) / SEC * 1e3))
if lat:
    print("daemon_alert_latency_ms_median %.0f ms" % statistics.median(lat))
    print("daemon_alert_latency_ms_max %.0f ms" % max(lat))

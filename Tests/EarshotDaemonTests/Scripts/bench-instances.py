#!/usr/bin/env python3
"""Several earshotd side by side, as earshot@NAME.service runs them (one per microphone; docs/benchmarks/daemon.md).
Run from the repository root after `swift build -c release --product earshotd`:
    python3 Tests/EarshotDaemonTests/Scripts/bench-instances.py EARSHOTD MODEL [SECONDS] [N]
Starts N (default 2) `earshotd --instance micK` at once, each capturing its own SECONDS (default 120) of quiet
noise through alsa-lib's file plugin (ALSA_CONFIG_PATH), paced at real time (--pace 1), with
OPENBLAS_NUM_THREADS=1 and its own STATE_DIRECTORY as the template unit gives it. Near the end it reads each
process's /proc/PID/smaps_rollup (Rss, Pss, private pages); at exit its CPU time (user + sys, /proc/PID/stat).
Prints `figure value unit` lines per instance."""
import os, random, struct, subprocess, sys, tempfile, time

exe, model = sys.argv[1], sys.argv[2]
SEC = int(sys.argv[3]) if len(sys.argv) > 3 else 120
N = int(sys.argv[4]) if len(sys.argv) > 4 else 2
RATE = 16000
tmp = tempfile.mkdtemp(prefix="earshot-instances-")
tick = os.sysconf("SC_CLK_TCK")

def rollup(pid):
    out = {}
    for line in open("/proc/%d/smaps_rollup" % pid):
        parts = line.split()
        if len(parts) >= 3 and parts[-1] == "kB":
            out[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return out

procs = []
for k in range(N):
    name = "mic%d" % (k + 1)
    d = os.path.join(tmp, name); os.makedirs(os.path.join(d, "state"))
    raw = os.path.join(d, "capture.raw")
    rnd = random.Random(k + 1)
    with open(raw, "wb") as f:
        f.write(struct.pack("<%dh" % (SEC * RATE), *[round(rnd.uniform(-1, 1) * 100) for _ in range(SEC * RATE)]))
    asound = os.path.join(d, "asound.conf")
    open(asound, "w").write('pcm.!default { type file slave.pcm { type null } file "/dev/null" infile "%s" format "raw" }\n' % raw)
    cfg = os.path.join(d, name + ".yaml")
    open(cfg, "w").write("device: default\nmodel: %s\n" % model)
    env = dict(os.environ, ALSA_CONFIG_PATH=asound, STATE_DIRECTORY=os.path.join(d, "state"), OPENBLAS_NUM_THREADS="1")
    p = subprocess.Popen([exe, "--instance", name, "--config", cfg, "--max-frames", str(SEC * RATE), "--pace", "1", "--exit-at-end"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    procs.append((name, p, d))

time.sleep(max(1, SEC - 10))
mem = {name: rollup(p.pid) for name, p, _ in procs}
cpu = {}
for name, p, _ in procs:
    # CPU time just before exit: poll /proc until the process is gone, keeping the last reading.
    last = None
    while p.poll() is None:
        try:
            f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
            last = (int(f[11]) + int(f[12])) / tick
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
        time.sleep(0.02)
    cpu[name] = last
for name, p, d in procs:
    m = mem[name]
    print("# %s exit %s; metrics %s" % (name, p.returncode, "present" if os.path.exists(os.path.join(d, "state", "earshot.prom")) else "MISSING"))
    print("instance_%s_rss_mb %.1f MB" % (name, m.get("Rss", 0)))
    print("instance_%s_pss_mb %.1f MB" % (name, m.get("Pss", 0)))
    print("instance_%s_private_mb %.1f MB" % (name, m.get("Private_Clean", 0) + m.get("Private_Dirty", 0)))
    if cpu[name] is not None:
        print("instance_%s_cpu_ms_per_audio_second %.2f ms" % (name, 1000 * cpu[name] / SEC))

// A step of the wall clock inside one process, for DaemonClockJumpTests: LD_PRELOAD'ed, it adds the seconds
// written in the file $CLOCK_STEP_FILE (re-read at most every 20 ms; e.g. "-3600") to CLOCK_REALTIME as
// clock_gettime, gettimeofday and time return it, and leaves CLOCK_MONOTONIC alone. It sets no environment
// variable: libfaketime's constructor does (FAKETIME_SHARED), which moves `environ` before Swift's runtime finds
// argv through it, so a Swift program started under libfaketime sees no arguments (swiftlang/swift#76080).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_fn)(clockid_t, struct timespec *);
static clock_fn real_clock;
static volatile long long offset_ns, checked_ns = -1;

static long long ns(const struct timespec *t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

static void refresh(void) {
    struct timespec mono;
    real_clock(CLOCK_MONOTONIC, &mono);
    if (checked_ns >= 0 && ns(&mono) - checked_ns < 20000000LL) return;
    checked_ns = ns(&mono);
    const char *path = getenv("CLOCK_STEP_FILE");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return;
    double s;
    if (fscanf(f, "%lf", &s) == 1) offset_ns = (long long)(s * 1e9);
    fclose(f);
}

int clock_gettime(clockid_t id, struct timespec *ts) {
    if (!real_clock) real_clock = (clock_fn)dlsym(RTLD_NEXT, "clock_gettime");
    int r = real_clock(id, ts);
    if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
        refresh();
        long long t = ns(ts) + offset_ns;
        ts->tv_sec = t / 1000000000LL; ts->tv_nsec = t % 1000000000LL;
    }
    return r;
}

int gettimeofday(struct timeval *tv, void *tz) {
    (void)tz;
    struct timespec ts;
    int r = clock_gettime(CLOCK_REALTIME, &ts);
    if (r == 0) { tv->tv_sec = ts.tv_sec; tv->tv_usec = ts.tv_nsec / 1000; }
    return r;
}

time_t time(time_t *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out) *out = ts.tv_sec;
    return ts.tv_sec;
}

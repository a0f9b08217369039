/* Counts malloc calls: LD_PRELOAD=malloc-count.so PROGRAM prints "malloc-count PID N" on stderr at exit (a
 * child that inherits LD_PRELOAD prints its own line, under its own PID).
 * Used by scripts/check-allocations.sh to show that the audio hot paths allocate nothing per block or window
 * (valgrind cannot run the AVX-512 kernel; this can). calloc and realloc are not counted: Swift allocates
 * objects and array buffers through malloc (swift_slowAlloc), and a per-window allocation shows there. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_long count;
static void *(*real_malloc)(size_t);

void *malloc(size_t size) {
    if (!real_malloc) real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
    return real_malloc(size);
}

__attribute__((destructor)) static void report(void) {
    char line[64];
    int n = snprintf(line, sizeof line, "malloc-count %ld %ld\n", (long)getpid(), (long)atomic_load(&count));
    if (n > 0) (void)!write(2, line, (size_t)n);
}

/* A disk whose sync is slow, for bench/run.py: loaded with LD_PRELOAD, it makes every
 * fsync and fdatasync of the process take SLOW_SYNC_US microseconds longer (2000 unless
 * set), as on a disk that flushes its write cache at each sync (a network volume, an SSD
 * without power-loss protection). The sync itself still happens. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

static void pause_after_sync(void) {
    const char *text = getenv("SLOW_SYNC_US");
    usleep(text ? (useconds_t)atoi(text) : 2000);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    int result = real(fd);
    pause_after_sync();
    return result;
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    int result = real(fd);
    pause_after_sync();
    return result;
}

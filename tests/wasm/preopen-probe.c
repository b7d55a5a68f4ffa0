// For every preopen, prints its name, what reading FILE through it gives and whether CREATE can be made
// in it: "preopen <name> read=<first line>|read-errno=<n> create=ok|create-errno=<n>". The rootfs escape
// tests check that no preopen is a host directory. Args: [FILE [CREATE]].
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static void probe(__wasi_fd_t dir, const char *name, const char *file, const char *create) {
    printf("preopen %s", name);
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, file, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    if (e == 0) {
        char buf[256];
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
        size_t n = 0;
        if (__wasi_fd_read(fd, &iov, 1, &n) != 0)
            n = 0;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        printf(" read=%s", buf);
        (void)__wasi_fd_close(fd);
    } else {
        printf(" read-errno=%d", e);
    }
    e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, create, __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
    if (e == 0) {
        (void)__wasi_fd_close(fd);
        printf(" create=ok\n");
    } else {
        printf(" create-errno=%d\n", e);
    }
}

int main(int argc, char **argv) {
    const char *file = argc > 1 ? argv[1] : "marker.txt";
    const char *create = argc > 2 ? argv[2] : "written-by-guest.txt";
    for (__wasi_fd_t dir = 3;; dir++) {
        __wasi_prestat_t pre;
        if (__wasi_fd_prestat_get(dir, &pre) != 0)
            break;
        char name[256];
        size_t len = pre.u.dir.pr_name_len < sizeof name - 1 ? pre.u.dir.pr_name_len : sizeof name - 1;
        if (__wasi_fd_prestat_dir_name(dir, (uint8_t *)name, len) != 0)
            len = 0;
        name[len] = '\0';
        probe(dir, name, file, create);
    }
    return 0;
}

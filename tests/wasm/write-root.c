// Tries to create a file at the root of the preopened rootfs and reports the result on stdout:
// "write-root: ok" or "write-root: errno=<n> <message>". Exit code 0 either way (the result is the output).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "/written-by-wasm.txt";
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        int e = errno;
        printf("write-root: errno=%d %s\n", e, strerror(e));
        return 0;
    }
    const char text[] = "written by wasm\n";
    ssize_t w = write(fd, text, sizeof text - 1);
    close(fd);
    if (w != (ssize_t)(sizeof text - 1)) {
        printf("write-root: short write\n");
        return 0;
    }
    printf("write-root: ok\n");
    return 0;
}

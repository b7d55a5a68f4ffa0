// Creates the directory named by argv[1] (default /made-by-wasm) and reports the result on stdout:
// "mkdir: ok" or "mkdir: errno=<n> <message>". Exit code 0 either way (the result is the output).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "/made-by-wasm";
    if (mkdir(path, 0755) != 0) {
        int e = errno;
        printf("mkdir: errno=%d %s\n", e, strerror(e));
        return 0;
    }
    printf("mkdir: ok\n");
    return 0;
}

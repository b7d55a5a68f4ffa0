// Writes argv[1] MiB to stdout as 64-byte lines: a 16-digit line number, 46 fill letters, '\n'.
// A test can check the total size and that every line number is present, in order.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { LineBytes = 64, LinesPerMiB = 1024 * 1024 / LineBytes };

int main(int argc, char **argv) {
    long mib = argc > 1 ? atol(argv[1]) : 1;
    long lines = mib * LinesPerMiB;
    static char buf[LinesPerMiB * LineBytes];
    long line = 0;
    while (line < lines) {
        size_t used = 0;
        for (int i = 0; i < LinesPerMiB && line < lines; i++, line++) {
            char *l = buf + used;
            snprintf(l, 17, "%016ld", line);
            for (int j = 16; j < LineBytes - 1; j++)
                l[j] = (char)('a' + (line + j) % 26);
            l[LineBytes - 1] = '\n';
            used += LineBytes;
        }
        for (size_t off = 0; off < used;) {
            ssize_t w = write(1, buf + off, used - off);
            if (w < 0) {
                perror("bigout: write");
                return 1;
            }
            off += (size_t)w;
        }
    }
    return 0;
}

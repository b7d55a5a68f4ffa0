// Exits with atoi(argv[1]); one line on stdout and one on stderr so a test sees both streams.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 0;
    printf("exitcode: exiting with %d\n", code);
    fprintf(stderr, "exitcode: stderr line, code %d\n", code);
    return code;
}

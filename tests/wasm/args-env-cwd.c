// Prints what the module sees of its process: argv, environ and the working directory.
// With SHOW_FILE=<path> in the environment it also prints that file, to prove what is preopened.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        printf("arg[%d]=%s\n", i, argv[i]);
    for (char **e = environ; *e != NULL; e++)
        printf("env:%s\n", *e);
    char cwd[1024];
    if (getcwd(cwd, sizeof cwd) != NULL)
        printf("cwd=%s\n", cwd);
    else
        printf("cwd-error=%s\n", strerror(errno));

    const char *path = getenv("SHOW_FILE");
    if (path != NULL) {
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            printf("file-error=%s: %s\n", path, strerror(errno));
            return 1;
        }
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        printf("file=%s\n", buf);
        fclose(f);
    }
    return 0;
}

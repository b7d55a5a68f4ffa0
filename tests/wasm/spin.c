// Burns CPU forever without calling the host: only a forced kill (epoch interruption / SIGKILL) ends it.
#include <stdio.h>

int main(void) {
    puts("spinning");
    fflush(stdout);
    volatile unsigned long counter = 0;
    for (;;)
        counter++;
}

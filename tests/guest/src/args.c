/* argv, the environment and exit codes: prints them, exits with atoi(argv[1]). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    const char *v = getenv("VMTEST");
    printf("VMTEST=%s\n", v ? v : "(unset)");
    int n = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "VM", 2) == 0)
            n++;
    printf("VM* variables: %d\n", n);
    fflush(stdout);
    if (argc > 2 && strcmp(argv[2], "exit") == 0)
        exit(atoi(argv[1]));   /* via exit(): atexit handlers, flush */
    return argc > 1 ? atoi(argv[1]) : 0;
}

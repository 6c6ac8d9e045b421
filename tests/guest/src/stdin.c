/* Reads stdin line by line: prints each line upper-cased and a count. */
#include <ctype.h>
#include <stdio.h>

int main(void)
{
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, stdin)) {
        for (char *p = line; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        fputs(line, stdout);
        n++;
    }
    printf("%d lines\n", n);
    return 0;
}

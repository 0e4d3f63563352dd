/* Runs a fuzz harness over the files named on the command line (or every file
 * in the directories named), so the seed corpora and past crashers run in every
 * test build without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf;
        long n;

        if (!f) {
                fprintf(stderr, "cannot open '%s'\n", path);
                return 1;
        }
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        buf = malloc(n > 0 ? (size_t) n : 1);
        if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n) {
                fclose(f);
                free(buf);
                return 1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t) n);
        /* Every prefix too: truncated input is the commonest bad input. */
        for (long k = 0; k < n; k += n / 16 + 1)
                LLVMFuzzerTestOneInput(buf, (size_t) k);
        free(buf);
        return 0;
}

int main(int argc, char **argv)
{
        int i, failed = 0, count = 0;

        for (i = 1; i < argc; i++) {
                struct stat st;
                DIR *d;
                struct dirent *de;

                if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) && (d = opendir(argv[i]))) {
                        while ((de = readdir(d))) {
                                char p[4096];

                                if (de->d_name[0] == '.')
                                        continue;
                                snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
                                failed |= run_file(p);
                                count++;
                        }
                        closedir(d);
                } else {
                        failed |= run_file(argv[i]);
                        count++;
                }
        }
        printf("%d inputs\n", count);
        return failed || count == 0;
}

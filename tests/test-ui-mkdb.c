/* test-ui-mkdb.c -- the rmn-ui tests' store (ui-fixture.h) for the shell tests:
 *   test-ui-mkdb DB                 writes it and prints the id of the running run live-s1
 *   test-ui-mkdb DB epoch RUN E     appends epoch E to run RUN, as its trainer would */
#include "ui-fixture.h"

#include <string.h>

int main(int argc, char **argv) {
    int epoch = argc == 5 && strcmp(argv[2], "epoch") == 0;
    if (argc != 2 && !epoch) {
        fprintf(stderr, "usage: test-ui-mkdb DB [epoch RUN E]\n");
        return 2;
    }
    rmn_store *s = NULL;
    int st = rmn_store_open(argv[1], &s);
    if (st == RMN_OK && epoch) {
        st = ui_fixture_epoch(s, atoll(argv[3]), atoi(argv[4]));
    } else if (st == RMN_OK) {
        pf_ids ids;
        int64_t live = 0;
        ui_fixture_build(s, &ids, &live);
        printf("%lld\n", (long long)live);
    }
    rmn_store_close(s);
    if (st != RMN_OK)
        fprintf(stderr, "test-ui-mkdb: error: %s\n", rmn_error_message());
    return st == RMN_OK ? 0 : 1;
}

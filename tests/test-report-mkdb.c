/* test-report-mkdb.c -- writes a report fixture store (report-fixture.h) to the path given, for
 * the CLI test tests/cli-report.sh. Usage: test-report-mkdb DB [zoo|paper] (default zoo) */
#include "report-fixture.h"

#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "zoo") && strcmp(argv[2], "paper"))) {
        fprintf(stderr, "usage: test-report-mkdb DB [zoo|paper]\n");
        return 2;
    }
    rmn_store *s = NULL;
    if (rmn_store_open(argv[1], &s) != RMN_OK) {
        fprintf(stderr, "test-report-mkdb: error: %s\n", rmn_error_message());
        return 1;
    }
    if (argc == 3 && strcmp(argv[2], "paper") == 0) {
        pf_ids ids;
        report_fixture_paper(s, &ids);
    } else {
        int64_t ids[8];
        report_fixture_build(s, ids);
    }
    rmn_store_close(s);
    return 0;
}

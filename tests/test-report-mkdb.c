/* test-report-mkdb.c -- writes the report fixture store (report-fixture.h) to the path given,
 * for the CLI test tests/cli-report.sh. Usage: test-report-mkdb DB */
#include "report-fixture.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test-report-mkdb DB\n");
        return 2;
    }
    rmn_store *s = NULL;
    if (rmn_store_open(argv[1], &s) != RMN_OK) {
        fprintf(stderr, "test-report-mkdb: error: %s\n", rmn_error_message());
        return 1;
    }
    int64_t ids[8];
    report_fixture_build(s, ids);
    rmn_store_close(s);
    return 0;
}

/* fuzz-fer-csv.c -- libFuzzer target: FER2013 CSV files (emotion,pixels,Usage rows, through
 * libarchive and libcsv) as rmn_fer_parse_file reads them. The first byte picks the mode: a
 * Usage column naming each row's split, or every row put in one fixed split. Checks that a
 * failure carries a message and that a success gives labels 0..6 and consistent counts. */
#include "fuzz-util.h"

#include "core/error.h"
#include "data/fer_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    int fixed_split = data[0] % 4 == 3 ? -1 : data[0] % 4;
    const char *path = fuzz_file(data + 1, size - 1, ".csv");
    rmn_dataset ds;
    memset(&ds, 0, sizeof ds);
    rmn_error_clear();
    int rc = rmn_fer_parse_file(path, fixed_split, &ds);
    if (rc != RMN_OK && !rmn_error_message()[0])
        abort();
    for (int s = 0; s < RMN_SPLIT_COUNT; ++s) {
        const rmn_split_data *sp = &ds.split[s];
        int64_t counted = 0;
        for (int k = 0; k < RMN_FER_CLASSES; ++k)
            counted += ds.class_count[s][k];
        if (sp->n < 0 || (rc == RMN_OK && counted != sp->n))
            abort();
        for (int32_t i = 0; i < sp->n; ++i)
            if (sp->labels[i] >= RMN_FER_CLASSES || sp->source_row[i] < 0)
                abort();
    }
    rmn_dataset_free(&ds);
    return 0;
}

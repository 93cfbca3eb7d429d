/* fuzz-config-json.c -- libFuzzer target: training configurations (the thesis's
 * fer2013_config.json keys and rmn's own) as rmn_train_config_apply_json reads them. An
 * accepted configuration must survive the trip through its canonical text (what the store
 * hashes and checkpoints keep): canonical -> rmn_train_config_from_canonical -> canonical gives
 * the same text. The raw input is also read as canonical text, as a stored run's is. */
#include "fuzz-util.h"

#include "core/error.h"
#include "train/train_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fuzz_text(data, size);
    rmn_train_config cfg, back;
    rmn_train_config_defaults(&cfg);
    rmn_error_clear();
    if (rmn_train_config_apply_json(&cfg, text, "fuzz.json") == RMN_OK) {
        static char a[8192], b[8192];
        if (rmn_train_config_canonical(&cfg, a, sizeof a) != RMN_OK)
            abort();
        if (rmn_train_config_from_canonical(&back, a, "canonical") != RMN_OK) {
            fprintf(stderr, "canonical text does not read back: %s\n%s", rmn_error_message(), a);
            abort();
        }
        if (rmn_train_config_canonical(&back, b, sizeof b) != RMN_OK || strcmp(a, b) != 0) {
            fprintf(stderr, "canonical text changes on a round trip:\n%s---\n%s", a, b);
            abort();
        }
    } else if (!rmn_error_message()[0]) {
        abort();
    }
    rmn_error_clear();
    if (rmn_train_config_from_canonical(&back, text, "fuzz.txt") != RMN_OK && !rmn_error_message()[0])
        abort();
    free(text);
    return 0;
}

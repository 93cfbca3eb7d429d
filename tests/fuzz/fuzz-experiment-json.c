/* fuzz-experiment-json.c -- libFuzzer target: experiment files ({"name", "description",
 * "data", "defaults", "runs": [{..., "seeds"}], "ensemble"}) as rmn_experiment_load reads them.
 * An accepted experiment must hold its strings and runs, each run with a canonical text. */
#include "fuzz-util.h"

#include "core/error.h"
#include "train/train_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size, ".json");
    rmn_experiment e;
    rmn_error_clear();
    if (rmn_experiment_load(path, &e) != RMN_OK) {
        if (!rmn_error_message()[0])
            abort();
        return 0;
    }
    if (!e.name || !e.description || !e.data || e.n_runs < 0 || (e.n_runs > 0 && !e.runs) ||
        e.n_members < 0 || e.ensemble_tta_n < -1)
        abort();
    static char canonical[8192];
    for (int i = 0; i < e.n_runs; ++i)
        if (rmn_train_config_canonical(&e.runs[i], canonical, sizeof canonical) != RMN_OK)
            abort();
    for (int i = 0; i < e.n_members; ++i)
        if (!e.members[i])
            abort();
    rmn_experiment_free(&e);
    return 0;
}

/* fuzz-pickle.c -- libFuzzer target: arbitrary bytes as a PyTorch checkpoint (core/pth.h).
 *
 * Both formats go through rmn_pth_open_mem (a zip archive when the input starts with "PK\3\4",
 * the legacy pickle stream otherwise), so the restricted pickle reader, the zip directory
 * parser, the storage table and the view checks are all reached. Every input must return
 * RMN_OK or an error; a crash, a leak or a sanitizer report is a bug.
 *
 * Built and run with the others (tests/fuzz/Makefile.fuzz, make fuzz, tests/fuzz-smoke.sh);
 * its seeds (tests/fuzz/corpus/pickle/) are small torch.save files of both formats: float32,
 * float64 views with an offset and strides, float16, bfloat16, int64, a thesis dict and a
 * "module." prefix. */
#include "core/error.h"
#include "core/pth.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    rmn_pth_file *f;
    if (rmn_pth_open_mem(data, size, "fuzz.pth", &f) == RMN_OK) {
        for (int i = 0; i < rmn_pth_count(f); ++i) {
            const rmn_pth_tensor *t = rmn_pth_at(f, i);
            volatile float sink = t->numel ? t->data[t->numel - 1] : 0.0f;
            (void)sink;
        }
        rmn_pth_close(f);
    }
    rmn_error_clear();
    return 0;
}

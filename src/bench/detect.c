/* detect.c -- rmn_bench_detect: face detection, and detection + emotion classification, timed
 * per image (decoding excluded), for rmn-bench --detect and rmn-detect --bench: a cascade run
 * through rmn_bench_detector (detect_cnn.c), the one timing loop for every detector. */
#include "bench/bench.h"

#include "detect/detector.h"

int rmn_bench_detect(const rmn_cascade *cascade, const rmn_detect_params *params,
                     rmn_detect_model *model, const char *const *paths, int npaths, int runs_per_image,
                     rmn_bench_detect_result *r) {
    rmn_detector d;
    rmn_detector_cascade(&d, cascade, params);
    return rmn_bench_detector(&d, model, paths, npaths, runs_per_image, r);
}

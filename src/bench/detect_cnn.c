/* detect_cnn.c -- rmn_bench_detector: rmn_bench_detect for any detector of detect/detector.h
 * (face-api's CNNs or a cascade), for rmn-bench --detect --detector and rmn-detect --bench. */
#include "bench/bench.h"

#include "core/error.h"
#include "detect/detector.h"

#include <stdlib.h>

int rmn_bench_detector(const rmn_detector *d, rmn_detect_model *model, const char *const *paths, int npaths,
                       int runs_per_image, rmn_bench_detect_result *r) {
    r->runs = r->faces = 0;
    r->detect_s = r->all_s = 0;
    for (int i = 0; i < npaths; ++i) {
        rmn_image img;
        RMN_TRY(rmn_image_load(paths[i], &img));
        int rc = RMN_OK;
        for (int k = 0; k < runs_per_image && rc == RMN_OK; ++k) {
            rmn_face *faces = NULL;
            int n = 0;
            double t0 = rmn_bench_now();
            rc = rmn_detector_faces(d, NULL, &img, &faces, &n);
            double t1 = rmn_bench_now();
            free(faces);
            faces = NULL;
            if (!model)
                r->faces += n;
            if (rc == RMN_OK && model) {
                rc = rmn_detector_faces(d, model, &img, &faces, &n);
                free(faces);
                r->faces += n;
            }
            double t2 = rmn_bench_now();
            r->detect_s += t1 - t0;
            r->all_s += t2 - t1;
            ++r->runs;
        }
        rmn_image_free(&img);
        RMN_TRY(rc);
    }
    if (!model)
        r->all_s = 0;
    return RMN_OK;
}

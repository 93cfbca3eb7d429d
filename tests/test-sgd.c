/* test-sgd.c -- rmn_sgd against torch.optim.SGD's formulas worked by hand: three steps on a
 * small vector with weight decay and momentum (plain, Nesterov, dampening, none). */
#include <math.h>

#include "core/error.h"
#include "optim/sgd.h"
#include "tap.h"

#define N 4
static const float p0[N] = {1.5f, -2.0f, 0.25f, 3.125f};
static const float g[3][N] = {{0.5f, 0.75f, -1.25f, 0.0f},
                              {-0.25f, 0.5f, 2.0f, 0.375f},
                              {0.125f, -1.0f, 0.5f, -0.625f}};

/* The PyTorch recurrence, element by element in double. */
static void expected(double out[N], double lr, double mu, double damp, double wd, int nesterov) {
    for (int i = 0; i < N; ++i) {
        double p = p0[i], b = 0.0;
        for (int t = 0; t < 3; ++t) {
            double d = g[t][i] + wd * p;
            if (mu != 0.0) {
                b = t == 0 ? d : mu * b + (1.0 - damp) * d;
                d = nesterov ? d + mu * b : b;
            }
            p -= lr * d;
        }
        out[i] = p;
    }
}

static void run(const char *what, float lr, float mu, float damp, float wd, int nesterov) {
    rmn_sgd opt;
    float p[N];
    for (int i = 0; i < N; ++i)
        p[i] = p0[i];
    int rc = rmn_sgd_init(&opt, N, lr, mu, wd, nesterov);
    opt.dampening = damp;
    for (int t = 0; t < 3; ++t)
        rmn_sgd_step(&opt, p, g[t]);
    double e[N], err = 0.0;
    expected(e, lr, mu, damp, wd, nesterov);
    for (int i = 0; i < N; ++i)
        err = fmax(err, fabs(p[i] - e[i]));
    TAP_OK(rc == RMN_OK && err < 1e-6 && opt.step == 3, "sgd %s: 3 steps match (max err %.2e)",
           what, err);
    rmn_sgd_free(&opt);
}

int main(void) {
    /* worked by hand for element 0: d1 = 0.5 + 0.01*1.5 = 0.515, b1 = d1, p1 = 1.4485;
     * d2 = -0.25 + 0.014485 = -0.235515, b2 = 0.9*0.515 + d2 = 0.227985, p2 = 1.4257015;
     * d3 = 0.125 + 0.014257015, b3 = 0.9*b2 + d3 = 0.344443515, p3 = 1.3912571485 */
    rmn_sgd opt;
    float p[N] = {p0[0], p0[1], p0[2], p0[3]};
    rmn_sgd_init(&opt, N, 0.1f, 0.9f, 0.01f, 0);
    for (int t = 0; t < 3; ++t)
        rmn_sgd_step(&opt, p, g[t]);
    TAP_NEAR(p[0], 1.3912571485, 1e-6, "sgd momentum: element 0 after 3 steps (by hand)");
    TAP_NEAR(opt.buf[0], 0.344443515, 1e-6, "sgd momentum: buffer of element 0");
    rmn_sgd_free(&opt);
    TAP_OK(opt.buf == NULL, "sgd: free releases the buffer");

    run("momentum 0.9, wd 0.01", 0.1f, 0.9f, 0.0f, 0.01f, 0);
    run("Nesterov 0.9, wd 0.001", 0.05f, 0.9f, 0.0f, 0.001f, 1);
    run("momentum 0.8, dampening 0.3", 0.2f, 0.8f, 0.3f, 0.0f, 0);
    run("no momentum, wd 0.1", 0.3f, 0.0f, 0.0f, 0.1f, 0);
    TAP_OK(rmn_sgd_init(&opt, N, 0.1f, 0.0f, 0.0f, 1) == RMN_EINVAL,
           "sgd: Nesterov without momentum is EINVAL");
    TAP_OK(rmn_sgd_init(&opt, N, -0.1f, 0.9f, 0.0f, 0) == RMN_EINVAL, "sgd: negative lr is EINVAL");
    return tap_done();
}

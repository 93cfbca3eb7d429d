/* test-zoo.c -- the model zoo: exact parameter counts of the thesis's architectures at the 224
 * profile (graphs only: no arenas), profile selection, and at the 48 profile with a small width
 * every model builds, takes one training step (forward, loss, backward) at batch 2 and one
 * inference with finite outputs; the Residual Masking Network's mask depths at 48. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/zoo.h"
#include "nn/graph.h"
#include "tap.h"

static const struct {
    const char *name;
    int size;
    size_t params;
} counts224[] = {
    {"resnet18", 224, 11180103},   {"resnet34", 224, 21288263},
    {"resnet50", 224, 23522375},   {"resnet101", 224, 42514503},
    {"resnet152", 224, 58158151},
    /* the original's Resnet50_pretrained_vgg in PyTorch 1.13: 23,522,375 */
    {"resnet50_pretrained_vgg", 224, 23522375},
    {"resmasking_dropout1", 224, 137796423},
    {"vgg19", 224, 139598919},     {"densenet121", 224, 6961031},
    {"googlenet", 224, 5607079},   {"inception_v3", 299, 21799911},
    /* pytorchcv's 1000-class counts (efficientnet_b2b 9,109,994; cbam_resnet50 28,089,624;
     * bam_resnet50 25,915,099) less 993 outputs of their 1408/2048-wide heads */
    {"efficientnet_b2b", 224, 9109994 - 1408 * 993 - 993},
    {"cbam_resnet50", 224, 28089624 - 2048 * 993 - 993},
    {"bam_resnet50", 224, 25915099 - 2048 * 993 - 993},
};

static void test_counts(void) {
    for (size_t i = 0; i < sizeof counts224 / sizeof counts224[0]; ++i) {
        rmn_model_config cfg = {.in_channels = 3, .image_size = counts224[i].size,
                                .num_classes = 7};
        rmn_net *net = NULL;
        int rc = rmn_zoo_graph(counts224[i].name, &cfg, &net);
        if (rc != RMN_OK)
            tap_diag("%s: %s", counts224[i].name, rmn_error_message());
        const size_t got = net ? rmn_zoo_params(net) : 0;
        TAP_OK(rc == RMN_OK && got == counts224[i].params, "%s at %d: %zu parameters (want %zu)",
               counts224[i].name, counts224[i].size, got, counts224[i].params);
        rmn_net_free(net);
    }
}

/* The thesis's parts (reference/thesis.md §2.5) and its 142.9M with duplicated projections. */
static void test_resmasking224(void) {
    rmn_model_config cfg = {.in_channels = 3, .image_size = 224, .num_classes = 7};
    rmn_net *net = NULL;
    int rc = rmn_zoo_graph("resmasking_dropout1", &cfg, &net);
    TAP_OK(rc == RMN_OK && rmn_zoo_params_thesis(net) == 142943431,
           "resmasking_dropout1: 142,943,431 counting the duplicated shortcuts twice");
    static const size_t masks[4] = {32366080, 31885312, 29965312, 22291456};
    for (int k = 0; rc == RMN_OK && k < 4; ++k) {
        char pre[16];
        snprintf(pre, sizeof pre, "mask%d.", k + 1);
        TAP_OK(rmn_zoo_params_matching(net, pre, NULL) == masks[k], "mask%d: %zu parameters",
               k + 1, masks[k]);
    }
    TAP_OK(rc == RMN_OK && rmn_zoo_params_matching(net, "layer", NULL) +
                                   rmn_zoo_params_matching(net, "conv1", NULL) +
                                   rmn_zoo_params_matching(net, "bn1", NULL) ==
                               21284672,
           "the ResNet34 trunk without fc: 21,284,672");
    const double gmacs = rc == RMN_OK ? rmn_zoo_macs(net) / 1e9 : 0;
    TAP_OK(gmacs > 21.8 && gmacs < 22.0, "resmasking_dropout1 at 224: %.3f GMACs (thesis 21.9)",
           gmacs);
    rmn_net_free(net);
    static const char *const variants[] = {"resmasking", "resmasking_dropout2",
                                           "resmasking_dropout3", "resmasking_dropout4",
                                           "resmasking50_dropout1", "resmasking_naive_dropout1"};
    static const size_t heads[] = {3591, 512 * 128 + 128 + 128 * 7 + 7,
                                   512 * 512 + 512 + 512 * 128 + 128 + 128 * 7 + 7,
                                   512 * 128 + 128 + 128 * 128 + 128 + 128 * 7 + 7, 0, 3591};
    for (int i = 0; i < 6; ++i) {
        rc = rmn_zoo_graph(variants[i], &cfg, &net);
        const size_t p = rc == RMN_OK ? rmn_zoo_params(net) : 0;
        if (i == 4)
            TAP_OK(rc == RMN_OK && p > 23522375 && rmn_zoo_params_matching(net, "fc.", NULL) ==
                                                       2048 * 7 + 7,
                   "%s: %zu parameters, head 2048->7", variants[i], p);
        else
            TAP_OK(rc == RMN_OK && p == 137796423 - 3591 + heads[i], "%s: %zu parameters",
                   variants[i], p);
        rmn_net_free(net);
    }
}

/* Mask depths 4/3/2/1 at 24/12/6/3 at the 48 profile: the input side of each encoder unit. */
static int unit_side(const rmn_net *net, const char *tensor) {
    for (int i = 0; i < net->n_specs; ++i)
        if (strcmp(net->specs[i].name, tensor) == 0)
            return net->values[net->nodes[net->specs[i].node].in[0]].h;
    return -1;
}

static void test_resmasking48(void) {
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7, .width = 8};
    rmn_net *net = NULL;
    if (rmn_zoo_graph("resmasking_dropout1", &cfg, &net) != RMN_OK) {
        TAP_OK(0, "resmasking_dropout1 at 48: %s", rmn_error_message());
        return;
    }
    static const int side[4] = {24, 12, 6, 3};
    for (int k = 1; k <= 4; ++k) {
        const int depth = 5 - k;
        char a[64], b[64];
        snprintf(a, sizeof a, "mask%d.enc%d.conv1.weight", k, depth - 1);
        snprintf(b, sizeof b, "mask%d.enc%d.conv1.weight", k, depth);
        int ok = unit_side(net, b) < 0;
        for (int i = 0; i < depth; ++i) {
            snprintf(a, sizeof a, "mask%d.enc%d.conv1.weight", k, i);
            ok &= unit_side(net, a) == side[k - 1] >> i;
        }
        snprintf(a, sizeof a, "mask%d.final.conv1.weight", k);
        ok &= unit_side(net, a) == side[k - 1];
        TAP_OK(ok, "48 profile: mask%d has depth %d at %dx%d, down to %dx%d", k, depth,
               side[k - 1], side[k - 1], side[k - 1] >> (depth - 1), side[k - 1] >> (depth - 1));
    }
    rmn_net_free(net);
}

static void test_profiles(void) {
    rmn_net *net = NULL;
    rmn_model_config cfg = {.in_channels = 3, .image_size = 48, .num_classes = 7};
    TAP_OK(rmn_model_create("resnet18", &cfg, &net) == RMN_EINVAL && !net &&
               strstr(rmn_error_message(), "profile"),
           "3x48x48 has no profile (%s)", rmn_error_message());
    cfg = (rmn_model_config){.in_channels = 1, .image_size = 224, .num_classes = 7};
    TAP_OK(rmn_model_create("resnet18", &cfg, &net) == RMN_EINVAL && !net,
           "1x224x224 has no profile");
    cfg = (rmn_model_config){.in_channels = 3, .image_size = 224, .num_classes = 7};
    TAP_OK(rmn_model_create("resnet18-tv48", &cfg, &net) == RMN_EINVAL && !net,
           "resnet18-tv48 refuses the 224 profile");
    cfg = (rmn_model_config){.in_channels = 3, .image_size = 224, .num_classes = 7, .width = 8};
    TAP_OK(rmn_zoo_graph("resnet18", &cfg, &net) == RMN_EINVAL && !net,
           "a width at the 224 profile is refused");
    int p = 0;
    cfg = (rmn_model_config){.in_channels = 3, .image_size = 299, .num_classes = 7};
    TAP_OK(rmn_zoo_profile("x", &cfg, &p) == RMN_OK && p == RMN_PROFILE_224, "299x3 is 224");
    cfg = (rmn_model_config){.in_channels = 1, .image_size = 48, .num_classes = 7};
    TAP_OK(rmn_zoo_profile("x", &cfg, &p) == RMN_OK && p == RMN_PROFILE_48, "48x1 is 48");
}

static int all_finite(const float *v, size_t n) {
    for (size_t i = 0; i < n; ++i)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* rmn_net_infer (each conv fused with its batch norm and ReLU) gives the logits of the
 * unfused eval-mode forward, with batch norms whose statistics and affine parameters are far
 * from their initial values (every running stat and every 1-d parameter redrawn); and a
 * backward after it is refused. backend NULL: the net's default. */
static void check_infer(rmn_net *net, const float *x, const char *arch, const char *backend) {
    const rmn_tensor_ref *t;
    int nt, rc = rmn_net_tensors(net, &t, &nt);
    rmn_rng r;
    rmn_rng_init(&r, 5, 0);
    for (int i = 0; rc == RMN_OK && i < nt; ++i) {
        size_t len = strlen(t[i].name), count = 1;
        for (int d = 0; d < t[i].ndim; ++d)
            count *= (size_t)t[i].shape[d];
        int is_var = len > 12 && strcmp(t[i].name + len - 12, ".running_var") == 0;
        int is_mean = len > 13 && strcmp(t[i].name + len - 13, ".running_mean") == 0;
        if (is_var || is_mean || (t[i].trainable && t[i].ndim == 1))
            for (size_t j = 0; j < count; ++j)
                t[i].data[j] = (float)(is_var ? 0.3 + 1.5 * rmn_rng_uniform(&r)
                                              : (is_mean ? 0.4 : 1.0) * (rmn_rng_uniform(&r) - 0.5) +
                                                    (is_mean ? 0.0 : 0.8));
    }
    if (rc == RMN_OK && backend)
        rc = rmn_net_set_backend(net, backend);
    float want[14], got[14];
    if (rc == RMN_OK && (rc = rmn_net_forward(net, x, 2, 0, NULL)) == RMN_OK)
        memcpy(want, rmn_net_logits(net), sizeof want);
    if (rc == RMN_OK && (rc = rmn_net_infer(net, x, 2)) == RMN_OK)
        memcpy(got, rmn_net_logits(net), sizeof got);
    double worst = 0, scale = 0;
    for (int i = 0; rc == RMN_OK && i < 14; ++i) {
        worst = fmax(worst, fabs((double)got[i] - want[i]));
        scale = fmax(scale, fabs((double)want[i]));
    }
    TAP_OK(rc == RMN_OK && all_finite(want, 14) && worst <= 1e-4 * (1 + scale),
           "%s%s%s: fused inference equals the eval forward (max |diff| %.2g, logits up to %.3g)",
           arch, backend ? " on " : "", backend ? backend : "", worst, scale);
    const int32_t labels[2] = {1, 2};
    double loss;
    rc = rmn_net_loss(net, labels, NULL, &loss, NULL);
    TAP_OK(rc == RMN_OK && rmn_net_backward(net) == RMN_EINVAL,
           "%s: the loss of an inference is computed; a backward after it is refused", arch);
}

/* One training step and one inference at batch 2 on 48x48x1, width w. */
static void test_step48(const char *arch, int width) {
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7, .seed = 7,
                            .width = width};
    rmn_net *net = NULL;
    int rc = rmn_model_create(arch, &cfg, &net);
    if (rc != RMN_OK) {
        TAP_OK(0, "%s at 48 width %d builds: %s", arch, width, rmn_error_message());
        return;
    }
    float x[2 * 48 * 48];
    rmn_rng rng;
    rmn_rng_init(&rng, 11, 0);
    for (int i = 0; i < 2 * 48 * 48; ++i)
        x[i] = (float)rmn_rng_uniform(&rng);
    const int32_t labels[2] = {3, 5};
    double loss = NAN;
    rc = rmn_net_plan(net, 2);
    if (rc == RMN_OK)
        rc = rmn_net_forward(net, x, 2, 1, &rng);
    if (rc == RMN_OK)
        rc = rmn_net_loss(net, labels, NULL, &loss, NULL);
    if (rc == RMN_OK)
        rc = rmn_net_backward(net);
    const size_t np = rmn_net_param_count(net);
    TAP_OK(rc == RMN_OK && isfinite(loss) && all_finite(rmn_net_grads(net), np),
           "%s (48, width %d, %zu params, %.1f MMACs): a training step, loss %.4f %s", arch,
           width, np, rmn_zoo_macs(net) / 1e6, loss, rc ? rmn_error_message() : "");
    rc = rmn_net_forward(net, x, 2, 0, NULL);
    TAP_OK(rc == RMN_OK && all_finite(rmn_net_logits(net), 14), "%s: inference is finite",
           arch);
    check_infer(net, x, arch, NULL);
    rmn_net_free(net);
}

/* The fused inference on the other backends ("cpu": im2col conv then ReLU; "ref": the oracles). */
static void test_infer_backends(void) {
    static const char *const backends[2] = {"cpu", "ref"};
    float x[2 * 48 * 48];
    for (int i = 0; i < 2 * 48 * 48; ++i)
        x[i] = (float)((i * 7919) % 255) / 255.0f;
    for (int b = 0; b < 2; ++b) {
        rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7, .seed = 3,
                                .width = 8};
        rmn_net *net = NULL;
        if (rmn_model_create("resnet18", &cfg, &net) != RMN_OK) {
            TAP_OK(0, "resnet18 builds: %s", rmn_error_message());
            return;
        }
        check_infer(net, x, "resnet18", backends[b]);
        rmn_net_free(net);
    }
}

static void test_resnet18_224_forward(void) {
    rmn_model_config cfg = {.in_channels = 3, .image_size = 224, .num_classes = 7, .seed = 1};
    rmn_net *net = NULL;
    int rc = rmn_model_create("resnet18", &cfg, &net);
    float *x = malloc(3 * 224 * 224 * sizeof *x);
    for (int i = 0; x && i < 3 * 224 * 224; ++i)
        x[i] = (float)((i * 7919) % 255) / 255.0f;
    if (rc == RMN_OK && x)
        rc = rmn_net_forward(net, x, 1, 0, NULL);
    TAP_OK(rc == RMN_OK && x && all_finite(rmn_net_logits(net), 7) &&
               rmn_net_param_count(net) == 11180103,
           "resnet18 at 224: one forward at batch 1, finite logits");
    free(x);
    rmn_net_free(net);
}

/* The listing: JSON with every field, both profiles. */
static void test_print(void) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = f ? rmn_models_print(f, 1, 0) : RMN_EIO;
    if (f)
        fclose(f);
    TAP_OK(rc == RMN_OK && buf && buf[0] == '[' &&
               strstr(buf, "{\"name\": \"resnet18\", \"profile\": \"224\", \"params\": 11180103, "
                           "\"macs\": ") &&
               strstr(buf, "\"name\": \"resnet18-tv48\", \"profile\": \"48\""),
           "rmn_models_print json lists resnet18 at 224 with its count, resnet18-tv48 at 48");
    free(buf);
    /* at width 32 the 48 profile halves every channel count; 224 stays exact */
    buf = NULL;
    f = open_memstream(&buf, &len);
    rc = f ? rmn_models_print(f, 1, 32) : RMN_EIO;
    if (f)
        fclose(f);
    TAP_OK(rc == RMN_OK && buf &&
               strstr(buf, "{\"name\": \"resnet18\", \"profile\": \"224\", \"params\": 11180103, ") &&
               strstr(buf, "{\"name\": \"resnet18\", \"profile\": \"48\", \"params\": 2796263, ") &&
               strstr(buf, "\"width\": 32}"),
           "with width 32: resnet18 at 48 has 2,796,263 parameters (the shipped model's), 224 unchanged");
    free(buf);
}

int main(void) {
    test_counts();
    test_profiles();
    test_print();
    test_infer_backends();
    test_resnet18_224_forward();
    test_resmasking224();
    test_resmasking48();
    static const char *const small[] = {
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnet18-tv48",
        "resmasking", "resmasking_dropout1", "resmasking_dropout2", "resmasking_dropout3",
        "resmasking_dropout4", "resmasking50_dropout1", "resmasking_naive_dropout1",
        "vgg19", "densenet121", "googlenet", "inception_v3", "efficientnet_b2b",
        "cbam_resnet50", "bam_resnet50", "resnet50_pretrained_vgg",
    };
    for (size_t i = 0; i < sizeof small / sizeof small[0]; ++i)
        test_step48(small[i], 8);
    return tap_done();
}

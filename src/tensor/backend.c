/* backend.c -- finding a backend (by name, the default) and filling a backend's missing op
 * entries from "cpu" (see backend.h); the tables themselves are in backend_tables.c ("ref",
 * "cpu") and dnnl_backend.c ("dnnl"). */
#include "tensor/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

const rmn_backend *rmn_backend_find(const char *name) {
    extern const rmn_backend rmn_backend_dnnl; /* tensor/dnnl_backend.h */
    static const rmn_backend *const all[] = {&rmn_backend_ref, &rmn_backend_cpu, &rmn_backend_dnnl};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
        if (name && strcmp(all[i]->name, name) == 0)
            return all[i];
    rmn_error_set(RMN_ENOTFOUND, __FILE__, __LINE__, "no backend called '%s' (have: ref, cpu)",
                  name ? name : "(null)");
    return NULL;
}

const rmn_backend *rmn_backend_default(void) {
    /* oneDNN's kernels run the convolutions and batch norm 2.5-4x faster than im2col + OpenBLAS
     * here (docs/PERFORMANCE.md); RMN_BACKEND=ref|cpu|dnnl overrides */
    const char *name = rmn_env_get("RMN_BACKEND");
    const rmn_backend *b = name && *name ? rmn_backend_find(name) : NULL;
    if (name && *name && !b)
        rmn_warning("RMN_BACKEND=%s is unknown; using dnnl", name);
    extern const rmn_backend rmn_backend_dnnl;
    return b ? b : &rmn_backend_dnnl;
}

int rmn_backend_set_precision(const rmn_backend *b, void *state, rmn_precision p) {
    if (b->set_precision)
        return b->set_precision(state, p);
    if (p == RMN_PRECISION_FP32)
        return RMN_OK;
    return RMN_ERROR(RMN_EINVAL, "the %s backend computes in fp32 only; %s needs the dnnl backend", b->name,
                     rmn_precision_name(p));
}

int rmn_backend_precision_check(const rmn_backend *b, rmn_precision p) {
    void *state = NULL;
    if (b->state_create)
        RMN_TRY(b->state_create(&state));
    const int rc = rmn_backend_set_precision(b, state, p);
    if (state && b->state_free)
        b->state_free(state);
    return rc;
}

void rmn_backend_resolve(const rmn_backend *b, rmn_backend *out) {
    const rmn_backend *cpu = &rmn_backend_cpu;
    *out = *b;
    /* the layout-agnostic residual + ReLU pair serves every backend but the oracle */
    if (b != &rmn_backend_ref && !out->add_relu_forward && !out->add_relu_backward) {
        out->add_relu_forward = cpu->add_relu_forward;
        out->add_relu_backward = cpu->add_relu_backward;
    }
#define RMN_FILL(field)            \
    if (!out->field)               \
    out->field = cpu->field
    RMN_FILL(conv2d_workspace);
    RMN_FILL(conv2d_forward);
    RMN_FILL(conv2d_backward);
    RMN_FILL(bn2d_forward_train);
    RMN_FILL(bn2d_forward_eval);
    RMN_FILL(bn2d_backward_train);
    RMN_FILL(bn2d_backward_eval);
    RMN_FILL(relu_forward);
    RMN_FILL(relu_backward);
    RMN_FILL(maxpool2d_forward);
    RMN_FILL(maxpool2d_backward);
    RMN_FILL(gap_forward);
    RMN_FILL(gap_backward);
    RMN_FILL(linear_forward);
    RMN_FILL(linear_backward);
    RMN_FILL(dropout_forward);
    RMN_FILL(dropout_backward);
    RMN_FILL(convt2d_workspace);
    RMN_FILL(convt2d_forward);
    RMN_FILL(convt2d_backward);
    RMN_FILL(act_forward);
    RMN_FILL(act_backward);
    RMN_FILL(softmax_ch_forward);
    RMN_FILL(softmax_ch_backward);
    RMN_FILL(avgpool2d_forward);
    RMN_FILL(avgpool2d_backward);
    RMN_FILL(adaptive_avgpool2d_forward);
    RMN_FILL(adaptive_avgpool2d_backward);
    RMN_FILL(resize_bilinear_forward);
    RMN_FILL(resize_bilinear_backward);
    RMN_FILL(binary_forward);
    RMN_FILL(binary_backward);
    RMN_FILL(concat_forward);
    RMN_FILL(concat_backward);
    RMN_FILL(chan_mean_forward);
    RMN_FILL(chan_mean_backward);
    RMN_FILL(chan_max_forward);
    RMN_FILL(chan_max_backward);
    RMN_FILL(hardswish_forward);
    RMN_FILL(hardswish_backward);
#undef RMN_FILL
}

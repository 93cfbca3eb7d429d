/* evaluate.c -- eval-mode inference over a split with per-sample softmax; see evaluate.h. */
#include "train/evaluate.h"

#include "core/error.h"
#include "core/progress.h"
#include "data/batch.h"

#include <jansson.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rmn_softmax_rows_d(const float *logits, int n, int k, double *probs) {
    for (int i = 0; i < n; ++i) {
        const float *z = logits + (size_t)i * k;
        double *p = probs + (size_t)i * k;
        double zmax = z[0], sum = 0;
        for (int c = 1; c < k; ++c)
            zmax = z[c] > zmax ? z[c] : zmax;
        for (int c = 0; c < k; ++c)
            sum += (p[c] = exp((double)z[c] - zmax));
        for (int c = 0; c < k; ++c)
            p[c] /= sum;
    }
}

void rmn_eval_result_free(rmn_eval_result *r) {
    free(r->sample_idx);
    free(r->labels);
    free(r->preds);
    free(r->probs);
    memset(r, 0, sizeof *r);
}

int rmn_in_top5(const double *p, int k, int y) {
    int above = 0;
    for (int c = 0; c < k; ++c)
        above += c != y && p[c] >= p[y];
    return above < 5;
}

int rmn_evaluate_split(rmn_net *net, const rmn_split_data *split, int batch, const rmn_batch_spec *spec_in,
                       int num_classes, const char *label, FILE *log_out, rmn_eval_result *out) {
    memset(out, 0, sizeof *out);
    const int n = split->n, k = num_classes;
    out->n = n;
    out->n_classes = k;
    out->sample_idx = malloc((size_t)n * sizeof *out->sample_idx + 1);
    out->labels = malloc((size_t)n * sizeof *out->labels + 1);
    out->preds = malloc((size_t)n * sizeof *out->preds + 1);
    out->probs = malloc((size_t)n * (size_t)k * sizeof *out->probs + 1);
    rmn_batch_spec spec = *spec_in;
    spec.augment = NULL;
    float *x = malloc((size_t)batch * (size_t)spec.channels * (size_t)spec.size * (size_t)spec.size * sizeof *x);
    float *scratch = malloc(rmn_batch_scratch_floats(&spec, split) * sizeof *scratch);
    if (!out->sample_idx || !out->labels || !out->preds || !out->probs || !x || !scratch) {
        free(x);
        free(scratch);
        rmn_eval_result_free(out);
        return RMN_ERROR(RMN_ENOMEM, "cannot allocate evaluation buffers for %d samples", n);
    }
    for (int i = 0; i < n; ++i)
        out->sample_idx[i] = i;
    rmn_progress bar;
    rmn_progress_begin(&bar, log_out, label, n);
    if (!log_out || bar.mode != RMN_PROGRESS_TTY)
        bar.mode = RMN_PROGRESS_OFF; /* evaluations are short: a bar on a terminal, no lines in logs */
    double loss_sum = 0;
    int rc = RMN_OK;
    for (int start = 0; start < n && rc == RMN_OK; start += batch) {
        int b = n - start < batch ? n - start : batch;
        rc = rmn_batch_fill(x, out->labels + start, scratch, split, out->sample_idx + start, b, &spec, NULL);
        if (rc == RMN_OK)
            rc = rmn_net_infer(net, x, b);
        if (rc != RMN_OK)
            break;
        double *p = out->probs + (size_t)start * k;
        rmn_softmax_rows_d(rmn_net_logits(net), b, k, p);
        for (int i = 0; i < b; ++i) {
            int y = out->labels[start + i], best = 0;
            for (int c = 1; c < k; ++c)
                best = p[(size_t)i * k + c] > p[(size_t)i * k + best] ? c : best;
            out->preds[start + i] = best;
            out->n_correct += best == y;
            out->n_correct5 += rmn_in_top5(p + (size_t)i * k, k, y);
            loss_sum -= log(fmax(p[(size_t)i * k + y], 1e-300));
        }
        char status[64];
        snprintf(status, sizeof status, "acc %.1f%%", 100.0 * out->n_correct / (double)(start + b));
        rmn_progress_update(&bar, start + b, status);
    }
    free(x);
    free(scratch);
    if (rc != RMN_OK) {
        rmn_eval_result_free(out);
        return rc;
    }
    out->loss = n > 0 ? loss_sum / n : NAN;
    char status[64];
    snprintf(status, sizeof status, "acc %.2f%% loss %.4f", n ? 100.0 * out->n_correct / n : 0.0, out->loss);
    if (bar.mode == RMN_PROGRESS_TTY)
        rmn_progress_end(&bar, status);
    return RMN_OK;
}

int rmn_evaluate_split_tta(rmn_net *net, const rmn_split_data *split, int batch, const rmn_batch_spec *spec_in,
                           int num_classes, int tta_n, uint64_t tta_seed, const char *label, FILE *log_out,
                           rmn_eval_result *out) {
    memset(out, 0, sizeof *out);
    if (tta_n < 1 || tta_n > batch)
        return RMN_ERROR(RMN_EINVAL, "TTA needs 1 <= tta_n (%d) <= batch size (%d)", tta_n, batch);
    if (!spec_in->augment)
        return RMN_ERROR(RMN_EINVAL, "TTA needs an augmentation to draw from");
    const rmn_batch_spec spec = *spec_in;
    const int n = split->n, k = num_classes, per_batch = batch / tta_n;
    const size_t image_floats = (size_t)spec.channels * (size_t)spec.size * (size_t)spec.size;
    out->n = n;
    out->n_classes = k;
    out->sample_idx = malloc((size_t)n * sizeof *out->sample_idx + 1);
    out->labels = malloc((size_t)n * sizeof *out->labels + 1);
    out->preds = malloc((size_t)n * sizeof *out->preds + 1);
    out->probs = calloc((size_t)n * (size_t)k + 1, sizeof *out->probs);
    float *x = malloc((size_t)batch * image_floats * sizeof *x);
    float *scratch = malloc(rmn_batch_scratch_floats(&spec, split) * sizeof *scratch);
    double *draw = malloc((size_t)batch * (size_t)k * sizeof *draw);
    if (!out->sample_idx || !out->labels || !out->preds || !out->probs || !x || !scratch || !draw) {
        free(x);
        free(scratch);
        free(draw);
        rmn_eval_result_free(out);
        return RMN_ERROR(RMN_ENOMEM, "cannot allocate TTA buffers for %d samples", n);
    }
    rmn_progress bar;
    rmn_progress_begin(&bar, log_out, label, n);
    if (!log_out || bar.mode != RMN_PROGRESS_TTY)
        bar.mode = RMN_PROGRESS_OFF;
    double loss_sum = 0;
    int rc = RMN_OK;
    for (int start = 0; start < n && rc == RMN_OK; start += per_batch) {
        int b = n - start < per_batch ? n - start : per_batch;
        for (int i = 0; i < b; ++i) {
            int idx = start + i;
            rmn_rng r;
            rmn_rng_init(&r, tta_seed, RMN_STREAM_TTA + ((uint64_t)idx << 8));
            for (int d = 0; d < tta_n; ++d)
                rmn_batch_image(x + (size_t)(i * tta_n + d) * image_floats, scratch, split, idx, &spec, &r);
        }
        rc = rmn_net_infer(net, x, b * tta_n);
        if (rc != RMN_OK)
            break;
        rmn_softmax_rows_d(rmn_net_logits(net), b * tta_n, k, draw);
        for (int i = 0; i < b; ++i) {
            int idx = start + i, y = split->labels[idx], best = 0;
            double *p = out->probs + (size_t)idx * k;
            for (int d = 0; d < tta_n; ++d)
                for (int c = 0; c < k; ++c)
                    p[c] += draw[(size_t)(i * tta_n + d) * k + c];
            for (int c = 1; c < k; ++c)
                best = p[c] > p[best] ? c : best;
            out->sample_idx[idx] = idx;
            out->labels[idx] = y;
            out->preds[idx] = best;
            out->n_correct += best == y;
            out->n_correct5 += rmn_in_top5(p, k, y);
            loss_sum -= log(fmax(p[y] / tta_n, 1e-300));
        }
        char status[64];
        snprintf(status, sizeof status, "acc %.1f%%", 100.0 * out->n_correct / (double)(start + b));
        rmn_progress_update(&bar, start + b, status);
    }
    free(x);
    free(scratch);
    free(draw);
    if (rc != RMN_OK) {
        rmn_eval_result_free(out);
        return rc;
    }
    out->loss = n > 0 ? loss_sum / n : NAN;
    if (bar.mode == RMN_PROGRESS_TTY)
        rmn_progress_end(&bar, "done");
    return RMN_OK;
}

int rmn_eval_result_print(const rmn_eval_result *r, const char *what, const char *const *class_names,
                          FILE *out, int json) {
    const int k = r->n_classes;
    int64_t *cm = calloc((size_t)k * (size_t)k, sizeof *cm);
    if (!cm)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    for (int i = 0; i < r->n; ++i)
        if (r->labels[i] >= 0 && r->labels[i] < k && r->preds[i] >= 0 && r->preds[i] < k)
            cm[(size_t)r->labels[i] * k + r->preds[i]]++;
    const double acc = r->n ? (double)r->n_correct / r->n : 0.0;
    if (json) {
        json_t *o = json_object(), *rows = json_array(), *recall = json_array();
        json_object_set_new(o, "what", json_string(what));
        json_object_set_new(o, "n", json_integer(r->n));
        json_object_set_new(o, "correct", json_integer(r->n_correct));
        json_object_set_new(o, "accuracy_frac", json_real(acc));
        if (k > 5)
            json_object_set_new(o, "top5_frac", json_real(r->n ? (double)r->n_correct5 / r->n : 0.0));
        json_object_set_new(o, "loss", isfinite(r->loss) ? json_real(r->loss) : json_null());
        for (int t = 0; t < k; ++t) {
            json_t *row = json_array();
            int64_t total = 0;
            for (int p = 0; p < k; ++p) {
                json_array_append_new(row, json_integer(cm[(size_t)t * k + p]));
                total += cm[(size_t)t * k + p];
            }
            json_array_append_new(rows, row);
            json_array_append_new(recall, total ? json_real((double)cm[(size_t)t * k + t] / (double)total) : json_null());
        }
        json_object_set_new(o, "recall_frac", recall);
        json_object_set_new(o, "confusion", rows);
        json_dumpf(o, out, JSON_COMPACT | JSON_REAL_PRECISION(10));
        fputc('\n', out);
        json_decref(o);
        free(cm);
        return RMN_OK;
    }
    fprintf(out, "%s: %d images, accuracy %.2f%% (%d correct)", what, r->n, 100 * acc, r->n_correct);
    if (k > 5)
        fprintf(out, ", top-5 %.2f%%", r->n ? 100.0 * r->n_correct5 / r->n : 0.0);
    fprintf(out, ", loss %.4f\n", r->loss);
    if (k > RMN_EVAL_PRINT_MAX_CLASSES) {
        fprintf(out, "(%d classes: no per-class table)\n", k);
        free(cm);
        return RMN_OK;
    }
    fprintf(out, "%-10s %7s %6s  confusion (rows = true class, columns = predicted)\n", "class", "recall", "n");
    for (int t = 0; t < k; ++t) {
        int64_t total = 0;
        char num[16];
        snprintf(num, sizeof num, "%d", t);
        for (int p = 0; p < k; ++p)
            total += cm[(size_t)t * k + p];
        fprintf(out, "%-10.10s %6.2f%% %6lld ",
                class_names ? class_names[t] : k == RMN_FER_CLASSES ? rmn_class_name(t) : num,
                total ? 100.0 * (double)cm[(size_t)t * k + t] / (double)total : 0.0, (long long)total);
        for (int p = 0; p < k; ++p)
            fprintf(out, " %5lld", (long long)cm[(size_t)t * k + p]);
        fputc('\n', out);
    }
    free(cm);
    return RMN_OK;
}

int rmn_top5_reported(int k) { return k >= 10; }

const char *rmn_fmt_top5(double acc5) {
    static _Thread_local char buf[32];
    snprintf(buf, sizeof buf, ", top-5 %.2f%%", 100 * acc5);
    return buf;
}

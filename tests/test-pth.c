/* test-pth.c -- PyTorch checkpoints in C: the fixtures of tools/pth/make_pth_fixtures.py
 * (both torch.save formats; float32/bfloat16/float16/float64 storages; a strided view; the
 * thesis's {"net": ...} dict with a module. prefix; the original masking blocks' names and
 * duplicated keys) give PyTorch's eval logits within 1e-4, and every malformed checkpoint
 * (truncations, mutations, hand-made hostile pickles) is a clear error naming the file. */
#include "core/error.h"
#include "core/pickle.h"
#include "core/pth.h"
#include "core/safetensors.h"
#include "data/batch.h"
#include "nn/net.h"
#include "train/import.h"

#include "tap.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

static char dir[1024];

static void logits_case(const rmn_st_file *ex, const char *file, const char *arch, int width) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.pth", dir, file);
    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    cfg.width = width;
    rmn_net *net;
    rmn_pth_file *f;
    rmn_import_stats s;
    int rc = rmn_import_open_model(path, &cfg, 0, &net, &f, &s);
    if (!TAP_OK(rc == RMN_OK, "%s imports as %s (%s)", file, arch, rmn_error_message()))
        return;
    const rmn_st_tensor *x = rmn_st_find(ex, "x"), *y = rmn_st_find(ex, file);
    float xin[2 * 48 * 48], want[14];
    rmn_st_copy_f32(x, xin, 2 * 48 * 48);
    rmn_st_copy_f32(y, want, 14);
    rc = rmn_net_forward(net, xin, 2, 0, NULL);
    const float *got = rmn_net_logits(net);
    double worst = 0;
    for (int i = 0; i < 14 && rc == RMN_OK; ++i) {
        double e = fabs(got[i] - want[i]) / (fabs(want[i]) > 1 ? fabs(want[i]) : 1);
        worst = e > worst ? e : worst;
    }
    TAP_OK(rc == RMN_OK && worst <= 1e-4, "%s: logits match PyTorch's (worst relative error %.2e)", file, worst);
    if (strstr(file, "legacy")) {
        TAP_OK(rmn_pth_meta_count(f) >= 2 && strcmp(rmn_pth_container(f), "net") == 0,
               "%s: the thesis dict's numbers are kept (%d)", file, rmn_pth_meta_count(f));
    }
    rmn_pth_close(f);
    rmn_net_free(net);
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, fp);
    fclose(fp);
    return b;
}

/* Every truncation point in a set, and byte mutations: an error (never a crash), naming the file. */
static void hostile_file(const char *file) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.pth", dir, file);
    size_t len = 0;
    unsigned char *b = slurp(path, &len);
    if (!TAP_OK(b != NULL, "read %s", file))
        return;
    int bad = 0, named = 1;
    for (size_t cut = 0; cut < len; cut += cut < 4096 ? 7 : 4093) {
        rmn_pth_file *f;
        int rc = rmn_pth_open_mem(b, cut, "trunc.pth", &f);
        if (rc == RMN_OK) {
            rmn_pth_close(f);
            ++bad;
        } else if (!strstr(rmn_error_message(), "trunc.pth")) {
            named = 0;
        }
    }
    TAP_OK(bad == 0 && named, "%s: every truncation is an error naming the file (%d accepted)", file, bad);
    uint64_t s = 12345;
    int crashes_ok = 1, errors = 0;
    for (int i = 0; i < 300; ++i) {
        unsigned char *m = malloc(len);
        memcpy(m, b, len);
        for (int k = 0; k < 4; ++k) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = (size_t)(s >> 33) % (len < 2048 ? len : 2048); /* the pickle and headers */
            if (i % 2)
                at = (size_t)(s >> 33) % len;
            m[at] = (unsigned char)(s >> 17);
        }
        rmn_pth_file *f;
        int rc = rmn_pth_open_mem(m, len, "mut.pth", &f);
        if (rc == RMN_OK)
            rmn_pth_close(f);
        else
            ++errors, crashes_ok &= strstr(rmn_error_message(), "mut.pth") != NULL;
        free(m);
    }
    TAP_OK(crashes_ok, "%s: 300 mutated copies: no crash, %d errors, each naming the file", file, errors);
    free(b);
}

/* A legacy stream around a hand-written object pickle and storages. */
typedef struct {
    unsigned char b[8192];
    size_t n;
} buf;

static void put(buf *o, const void *p, size_t n) {
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
#define PUTS(o, s) put((o), (s), sizeof(s) - 1)

static void legacy_head(buf *o) {
    PUTS(o, "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.");
    PUTS(o, "\x80\x02M\xe9\x03.");
    PUTS(o, "\x80\x02}X\x0d\x00\x00\x00little_endian\x88s.");
}

/* {"w": tensor(storage "0" FloatStorage numel, offset, size (a,b), stride (c,d))} */
static void tensor_obj(buf *o, int numel, int offset, int a, int b, int c, int d) {
    PUTS(o, "\x80\x02}X\x01\x00\x00\x00w");
    PUTS(o, "ctorch._utils\n_rebuild_tensor_v2\n(");
    PUTS(o, "(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpu");
    unsigned char k[] = {'K', (unsigned char)numel, 'N', 't', 'Q', 'K', (unsigned char)offset, 'K', (unsigned char)a,
                         'K', (unsigned char)b, 0x86, 'K', (unsigned char)c, 'K', (unsigned char)d, 0x86, 0x89};
    put(o, k, sizeof k);
    PUTS(o, "ccollections\nOrderedDict\n)Rt");
    PUTS(o, "Rs.");
}

static void storages(buf *o, int count, int bytes) {
    PUTS(o, "\x80\x02]X\x01\x00\x00\x00" "0a.");
    uint64_t c = (uint64_t)count;
    put(o, &c, 8);
    for (int i = 0; i < bytes / 4; ++i) {
        float v = (float)i;
        put(o, &v, 4);
    }
}

static int open_buf(const buf *o, rmn_pth_file **f) {
    return rmn_pth_open_mem(o->b, o->n, "hand.pth", f);
}

static void expect_error(const buf *o, const char *what, const char *needle) {
    rmn_pth_file *f;
    int rc = open_buf(o, &f);
    if (rc == RMN_OK)
        rmn_pth_close(f);
    const char *m = rmn_error_message();
    TAP_OK(rc == RMN_EFORMAT && strstr(m, "hand.pth") && strstr(m, needle), "%s: %s", what, rc ? m : "accepted");
}

static void hostile_pickles(void) {
    buf o = {.n = 0};
    legacy_head(&o);
    tensor_obj(&o, 6, 0, 2, 3, 3, 1);
    storages(&o, 6, 24);
    rmn_pth_file *f;
    int rc = open_buf(&o, &f);
    if (TAP_OK(rc == RMN_OK, "a hand-made legacy checkpoint reads (%s)", rmn_error_message())) {
        const rmn_pth_tensor *t = rmn_pth_find(f, "w");
        TAP_OK(t && t->ndim == 2 && t->shape[0] == 2 && t->data[4] == 4, "its tensor is (2,3) 0..5");
        rmn_pth_close(f);
    }
    /* a transposed view with an offset */
    o.n = 0;
    legacy_head(&o);
    tensor_obj(&o, 8, 2, 3, 2, 1, 3);
    storages(&o, 8, 32);
    rc = open_buf(&o, &f);
    if (TAP_OK(rc == RMN_OK, "a strided view with an offset reads")) {
        const rmn_pth_tensor *t = rmn_pth_find(f, "w");
        TAP_OK(t->data[0] == 2 && t->data[1] == 5 && t->data[2] == 3 && t->data[5] == 7, "its elements follow the strides");
        rmn_pth_close(f);
    }
    o.n = 0;
    legacy_head(&o);
    tensor_obj(&o, 6, 1, 2, 3, 3, 1);
    storages(&o, 6, 24);
    expect_error(&o, "a view past its storage", "reaches element");
    o.n = 0;
    legacy_head(&o);
    tensor_obj(&o, 6, 0, 2, 3, 3, 1);
    storages(&o, 5, 20);
    expect_error(&o, "a storage shorter than declared", "storage 0");
    o.n = 0;
    legacy_head(&o);
    tensor_obj(&o, 6, 0, 2, 3, 3, 1);
    storages(&o, 200, 24);
    expect_error(&o, "a storage count past the end", "truncated");
    /* a legacy storage view (view_metadata, PyTorch < 0.4; 1.13 never writes one) */
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02}X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
             "ctorch\nFloatStorage\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x06(X\x01\x00\x00\x00" "1K\x00K\x02tt"
             "QK\x00K\x02\x85K\x01\x85\x89" "ccollections\nOrderedDict\n)RtRs.");
    storages(&o, 6, 24);
    expect_error(&o, "a legacy storage view (view_metadata) is refused", "view_metadata");
    /* an unknown global: os.system */
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02\x63os\nsystem\nX\x02\x00\x00\x00ls\x85R.");
    expect_error(&o, "an unknown global is refused", "refused global os.system");
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02\x63__builtin__\neval\n.");
    expect_error(&o, "builtins.eval is refused", "refused global");
    /* deep nesting */
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02");
    for (int i = 0; i < 100; ++i)
        PUTS(&o, "]");
    for (int i = 0; i < 99; ++i)
        PUTS(&o, "a");
    PUTS(&o, ".");
    expect_error(&o, "nesting 100 deep", "nesting deeper");
    /* huge lengths */
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02X\xff\xff\xff\xff" "abc.");
    expect_error(&o, "a 4 GB string in a small file", "truncated");
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\xff" "abc.");
    expect_error(&o, "a 2^64 string length", "truncated");
    /* memo abuse */
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02j\x10\x00\x00\x00.");
    expect_error(&o, "a memo index never set", "never set");
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02Nr\xff\xff\xff\x7f.");
    expect_error(&o, "a huge memo index", "memo index");
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02]q\x00h\x00" "a.");
    expect_error(&o, "a list holding itself", "itself");
    /* stack underflow, unknown opcode, no STOP */
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02s.");
    expect_error(&o, "SETITEM on an empty stack", "underflow");
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02\x81.");
    expect_error(&o, "NEWOBJ is refused", "unsupported opcode 0x81");
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02}");
    expect_error(&o, "a pickle without STOP", "truncated");
    o.n = 0;
    PUTS(&o, "\x80\x02K\x01.");
    expect_error(&o, "not a torch file (no magic)", "magic");
    o.n = 0;
    legacy_head(&o);
    PUTS(&o, "\x80\x02}X\x01\x00\x00\x00wK\x01s.\x80\x02].");
    expect_error(&o, "a state_dict entry that is not a tensor", "not a tensor");
    /* zip: not a torch archive, truncated */
    o.n = 0;
    PUTS(&o, "PK\x03\x04garbage");
    expect_error(&o, "a zip without an end record", "zip");
}

/* Tensors sharing one storage, as PyTorch 1.13 writes them (make_pth_fixtures.py --views):
 * base = arange(24); a = base[2:8].view(2,3); b = base[5:17].view(3,4).t(); c = base[20]
 * expanded to (2,3) (strides 0); d = base. */
static void views_case(const char *file) {
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.pth", dir, file);
    rmn_pth_file *f;
    int rc = rmn_pth_open(path, &f);
    if (!TAP_OK(rc == RMN_OK, "%s reads (%s)", file, rc ? rmn_error_message() : ""))
        return;
    const rmn_pth_tensor *a = rmn_pth_find(f, "a"), *b = rmn_pth_find(f, "b"), *c = rmn_pth_find(f, "c"),
                         *d = rmn_pth_find(f, "d");
    int ok = a && b && c && d && a->numel == 6 && b->ndim == 2 && b->shape[0] == 4 && b->shape[1] == 3 &&
             c->numel == 6 && d->numel == 24;
    for (int i = 0; ok && i < 6; ++i)
        ok = a->data[i] == 2 + i && c->data[i] == 20;
    for (int i = 0; ok && i < 4; ++i) /* b[i][j] = base[5 + 4 j + i] */
        for (int j = 0; ok && j < 3; ++j)
            ok = b->data[i * 3 + j] == 5 + 4 * j + i;
    for (int i = 0; ok && i < 24; ++i)
        ok = d->data[i] == i;
    TAP_OK(ok, "%s: four views of one storage (offsets, overlapping, transposed, expanded) read right", file);
    rmn_pth_close(f);
}

/* A full-size checkpoint at 224 (make_pth_fixtures.py --thesis FILE writes FILE and
 * FILE.expect.safetensors; too large to commit): set RMN_PTH_224=FILE:ARCH to run it. */
static void full_size_case(void) {
    const char *spec = getenv("RMN_PTH_224");
    if (!spec || !*spec) {
        TAP_SKIP("RMN_PTH_224 not set (a full-size 224 checkpoint; see tools/pth/make_pth_fixtures.py)");
        return;
    }
    char file[1024], ep[1100];
    snprintf(file, sizeof file, "%s", spec);
    char *colon = strrchr(file, ':');
    if (!TAP_OK(colon != NULL, "RMN_PTH_224 is FILE:ARCH"))
        return;
    *colon = 0;
    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "%s", colon + 1);
    cfg.in_channels = 3;
    snprintf(ep, sizeof ep, "%s.expect.safetensors", file);
    rmn_st_file *ex;
    rmn_net *net;
    rmn_import_stats s;
    if (!TAP_OK(rmn_st_open(ep, &ex) == RMN_OK, "open %s", ep))
        return;
    cfg.image_size = (int)rmn_st_find(ex, "x")->shape[3]; /* 224, or 299 (inception_v3) */
    int rc = rmn_import_open_model(file, &cfg, 0, &net, NULL, &s);
    if (TAP_OK(rc == RMN_OK, "%s imports as %s at 224 (%s)", file, cfg.arch, rc ? rmn_error_message() : "")) {
        const rmn_st_tensor *x = rmn_st_find(ex, "x"), *y = rmn_st_find(ex, "logits");
        float *xin = malloc((size_t)x->numel * sizeof *xin), want[14];
        rmn_st_copy_f32(x, xin, (size_t)x->numel);
        rmn_st_copy_f32(y, want, 14);
        rc = rmn_net_forward(net, xin, 2, 0, NULL);
        const float *got = rmn_net_logits(net);
        double worst = 0;
        for (int i = 0; i < 14 && rc == RMN_OK; ++i) {
            double e = fabs(got[i] - want[i]) / (fabs(want[i]) > 1 ? fabs(want[i]) : 1);
            worst = e > worst ? e : worst;
        }
        TAP_OK(rc == RMN_OK && worst <= 1e-4, "%s at %d: logits match PyTorch's float32 (worst relative error %.2e)",
               cfg.arch, cfg.image_size, worst);
        free(xin);
        rmn_net_free(net);
    }
    rmn_st_close(ex);
}

/* The thesis's preprocessing of 224 models: 48 -> 224 bilinear as cv2.resize INTER_LINEAR,
 * gray copied to 3 channels, /255 (tools/pth/make_cv2_resize.py made the references). */
static void cv2_case(void) {
    char p[1200];
    snprintf(p, sizeof p, "%s/cv2-resize.safetensors", dir);
    rmn_st_file *f;
    if (!TAP_OK(rmn_st_open(p, &f) == RMN_OK, "open %s", p))
        return;
    static float src[48 * 48], u8[224 * 224], f32[224 * 224], out[3 * 224 * 224];
    uint8_t pix[48 * 48];
    rmn_st_copy_f32(rmn_st_find(f, "src"), src, 48 * 48);
    rmn_st_copy_f32(rmn_st_find(f, "cv2_u8"), u8, 224 * 224);
    rmn_st_copy_f32(rmn_st_find(f, "cv2_f32"), f32, 224 * 224);
    for (int i = 0; i < 48 * 48; ++i)
        pix[i] = (uint8_t)src[i];
    rmn_batch_spec spec = {.size = 224, .channels = 3, .augment = NULL};
    int32_t label = 0;
    const rmn_split_data sp = {.n = 1, .channels = 1, .side = 48, .max_h = 48, .max_w = 48, .pixels = pix,
                               .labels = &label};
    float *scratch = malloc(rmn_batch_scratch_floats(&spec, &sp) * sizeof *scratch);
    rmn_batch_image(out, scratch, &sp, 0, &spec, NULL);
    double wf = 0, wu = 0, sum_u = 0;
    int chan_same = 1;
    for (int i = 0; i < 224 * 224; ++i) {
        double v = out[i] * 255.0;
        wf = fmax(wf, fabs(v - f32[i]));
        wu = fmax(wu, fabs(v - u8[i]));
        sum_u += fabs(v - u8[i]);
        chan_same &= out[i] == out[224 * 224 + i] && out[i] == out[2 * 224 * 224 + i];
    }
    TAP_OK(chan_same, "gray is copied into the 3 channels");
    TAP_OK(wf <= 2e-3, "48 -> 224 matches cv2.resize INTER_LINEAR on float32 (worst %.2e of 255)", wf);
    TAP_OK(wu <= 1.0, "and cv2's uint8 path within one level (worst %.3f, mean %.3f of 255)", wu,
           sum_u / (224 * 224));
    free(scratch);
    rmn_st_close(f);
}

int main(void) {
    const char *src = getenv("RMN_SRCDIR");
    snprintf(dir, sizeof dir, "%s/tests/data/pth", src ? src : ".");
    char ep[1200];
    snprintf(ep, sizeof ep, "%s/expect.safetensors", dir);
    rmn_st_file *ex;
    if (!TAP_OK(rmn_st_open(ep, &ex) == RMN_OK, "open %s", ep))
        return tap_done();
    logits_case(ex, "resnet18-legacy", "resnet18", 4);
    logits_case(ex, "resnet18-zip-bf16", "resnet18", 4);
    logits_case(ex, "resmasking-legacy-f16", "resmasking_dropout1", 2);
    logits_case(ex, "vgg19-zip-f64", "vgg19", 2);
    rmn_st_close(ex);

    /* names: missing/unexpected/mis-shaped are listed; the head may be allowed */
    char path[1200];
    snprintf(path, sizeof path, "%s/resnet18-legacy.pth", dir);
    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    snprintf(cfg.arch, sizeof cfg.arch, "resnet18");
    cfg.width = 8;
    rmn_net *net;
    rmn_import_stats s;
    int rc = rmn_import_open_model(path, &cfg, 0, &net, NULL, &s);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "mis-shaped: conv1.weight (4,1,3,3), expected (8,1,3,3)") &&
               strstr(rmn_error_message(), "resnet18-legacy.pth") && !strstr(rmn_error_message(), "--allow-head"),
           "a wrong width lists the mis-shaped tensors (%s)", rmn_error_message());
    cfg.width = 4;
    cfg.num_classes = 5;
    rc = rmn_import_open_model(path, &cfg, 0, &net, NULL, &s);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "fc.weight (7,32), expected (5,32)") &&
               strstr(rmn_error_message(), "--allow-head"),
           "another head is refused by default, naming the ways to replace it (%s)", rmn_error_message());
    rc = rmn_import_open_model(path, &cfg, 1, &net, NULL, &s);
    TAP_OK(rc == RMN_OK && s.head_kept == 2, "--allow-head keeps a replaced head (%d kept)", s.head_kept);
    if (rc == RMN_OK)
        rmn_net_free(net);
    snprintf(cfg.arch, sizeof cfg.arch, "resnet34");
    cfg.num_classes = 7;
    rc = rmn_import_open_model(path, &cfg, 0, &net, NULL, &s);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "missing: layer1.2.conv1.weight"),
           "a different depth lists the missing tensors (%s)", rmn_error_message());
    snprintf(path, sizeof path, "%s/vgg19-zip-f64.pth", dir);
    snprintf(cfg.arch, sizeof cfg.arch, "resnet18");
    cfg.width = 2;
    rc = rmn_import_open_model(path, &cfg, 0, &net, NULL, &s);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "unexpected: features.0.weight"),
           "another family lists the unexpected tensors");

    char name[256];
    TAP_OK(rmn_import_map_name("resmasking_dropout1", "mask1.conv6.bn1.weight", name, sizeof name) == 1 &&
               strcmp(name, "mask1.dec2.bn1.weight") == 0, "mask1.conv6 -> mask1.dec2");
    TAP_OK(rmn_import_map_name("resmasking_dropout1", "mask2.up_pool4.0.weight", name, sizeof name) == 1 &&
               strcmp(name, "mask2.up2.0.weight") == 0, "mask2.up_pool4 -> mask2.up2");
    TAP_OK(rmn_import_map_name("resmasking_dropout1", "mask4.downsample2.1.bias", name, sizeof name) == 2 &&
               strcmp(name, "mask4.final.downsample.1.bias") == 0, "mask4.downsample2 is conv2.downsample's twin");
    TAP_OK(rmn_import_map_name("resnet18", "bn1.num_batches_tracked", name, sizeof name) == 0,
           "num_batches_tracked is ignored");
    TAP_OK(rmn_import_map_name("inception_v3", "AuxLogits.fc.weight", name, sizeof name) == 0 &&
               rmn_import_map_name("googlenet", "aux2.fc2.bias", name, sizeof name) == 0 &&
               rmn_import_map_name("resnet18", "AuxLogits.fc.weight", name, sizeof name) == 1,
           "inception_v3's and googlenet's auxiliary heads are ignored (only theirs)");

    /* content sniffing: a safetensors file whose header length starts with 0x80 is not a .pth */
    char tmp[] = "/tmp/rmn-test-pth.XXXXXX";
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        const unsigned char st[12] = {0x80, 0x02, 0x8a, 0x0a, 0, 0, 0, 0, '{', '}', ' ', ' '};
        int wrote = write(fd, st, sizeof st) == (ssize_t)sizeof st;
        close(fd);
        TAP_OK(wrote && !rmn_import_is_pth(tmp), "a safetensors header is never taken for a .pth");
        unlink(tmp);
    }
    snprintf(path, sizeof path, "%s/resnet18-legacy.pth", dir);
    char copy[] = "/tmp/rmn-test-pth.XXXXXX";
    fd = mkstemp(copy);
    if (fd >= 0) {
        size_t n = 0;
        unsigned char *b = slurp(path, &n);
        int wrote = b && write(fd, b, n) == (ssize_t)n;
        close(fd);
        free(b);
        TAP_OK(wrote && rmn_import_is_pth(copy), "a legacy torch.save file without an extension is recognised");
        unlink(copy);
    }

    hostile_file("resnet18-legacy");
    hostile_file("resnet18-zip-bf16");
    views_case("views-zip");
    views_case("views-legacy");
    hostile_pickles();
    cv2_case();
    full_size_case();
    return tap_done();
}

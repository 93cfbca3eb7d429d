/* test-safetensors.c -- safetensors writer and reader: round trip, byte layout (hand-assembled
 * and against tools/golden/st.py's reference file), every malformed-file rejection with its
 * message, writer argument errors, typed access, and the atomic save under failures. */
#include "core/error.h"
#include "core/safetensors.h"
#include "tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static char *tpath(const char *name) {
    static char buf[4][512];
    static int  k;
    char       *p = buf[k++ % 4];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)sz + 1);
    *n = fread(b, 1, (size_t)sz, fp);
    fclose(fp);
    return b;
}

/* Writes a file with the given header text; hlen_override (if nonzero) replaces the length. */
static void write_raw(const char *path, const char *hdr, const void *data, size_t dlen, uint64_t hlen_override) {
    FILE    *fp = fopen(path, "wb");
    uint64_t n = hlen_override ? hlen_override : strlen(hdr);
    unsigned char lb[8];
    for (int i = 0; i < 8; ++i)
        lb[i] = (unsigned char)(n >> (8 * i));
    fwrite(lb, 1, 8, fp);
    fwrite(hdr, 1, strlen(hdr), fp);
    if (dlen)
        fwrite(data, 1, dlen, fp);
    fclose(fp);
}

/* Count of entries in tmpdir whose name contains ".tmp." (left-over temporary files). */
static int count_tmp_files(void) {
    DIR *d = opendir(tmpdir);
    int  n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

// --- the reference content (mirrors reference_tensors() in tools/golden/st.py) ----------

static const float   ref_a[6] = {0.5f, -1.25f, 3.0f, 2.375f, -0.0625f, 100.0f};
static const double  ref_b[3] = {0.1, -2.5, 1e300};
static const int32_t ref_c[4] = {1, -2, 2147483647, -2147483647 - 1};
static const int64_t ref_d = -9007199254740993LL;
static const uint8_t ref_e[4] = {0, 1, 254, 255};
static const float   ref_g[4] = {1, 2, 3, 4};

static rmn_st_writer *reference_writer(void) {
    rmn_st_writer *w;
    if (rmn_st_writer_create(&w) != RMN_OK)
        return NULL;
    int64_t sa[] = {2, 3}, sb[] = {3}, sc[] = {2, 2}, se[] = {4}, sf[] = {0, 3}, sg[] = {1, 2, 1, 2, 1};
    int     rc = 0;
    /* added out of order on purpose: the file is in name order */
    rc |= rmn_st_writer_add(w, "g_5d", RMN_ST_F32, 5, sg, ref_g);
    rc |= rmn_st_writer_add(w, "c_i32", RMN_ST_I32, 2, sc, ref_c);
    rc |= rmn_st_writer_add(w, "a_f32", RMN_ST_F32, 2, sa, ref_a);
    rc |= rmn_st_writer_add(w, "e_u8", RMN_ST_U8, 1, se, ref_e);
    rc |= rmn_st_writer_add(w, "b_f64", RMN_ST_F64, 1, sb, ref_b);
    rc |= rmn_st_writer_add(w, "f_empty", RMN_ST_F32, 2, sf, NULL);
    rc |= rmn_st_writer_add(w, "d_i64", RMN_ST_I64, 0, NULL, &ref_d);
    rc |= rmn_st_writer_meta(w, "utf8", "\xc3\xa9t\xc3\xa9");
    rc |= rmn_st_writer_meta(w, "op", "replaced below");
    rc |= rmn_st_writer_meta(w, "note", "reference file for test-safetensors.");
    rc |= rmn_st_writer_meta(w, "format", "pt");
    rc |= rmn_st_writer_meta(w, "op", "st_reference");
    rc |= rmn_st_writer_meta(w, "tensors", "a_f32,b_f64,c_i32,d_i64,e_u8,f_empty,g_5d");
    if (rc != RMN_OK) {
        rmn_st_writer_free(w);
        return NULL;
    }
    return w;
}

static void test_round_trip(void) {
    rmn_st_writer *w = reference_writer();
    TAP_OK(w != NULL, "writer accepts F32/F64/I32/I64/U8, scalar, empty and 5-d tensors");
    const char *p = tpath("ref.safetensors");
    int         rc = rmn_st_writer_save(w, p);
    TAP_OK(rc == RMN_OK, "save: %s", rmn_error_message());
    rmn_st_writer_free(w);

    rmn_st_file *f = NULL;
    rc = rmn_st_open(p, &f);
    TAP_OK(rc == RMN_OK && f, "open: %s", rmn_error_message());
    if (!f)
        return;
    TAP_OK(rmn_st_count(f) == 7, "7 tensors (%d)", rmn_st_count(f));
    const char *order[] = {"a_f32", "b_f64", "c_i32", "d_i64", "e_u8", "f_empty", "g_5d"};
    int         in_order = 1;
    for (int i = 0; i < 7; ++i)
        in_order &= strcmp(rmn_st_at(f, i)->name, order[i]) == 0;
    TAP_OK(in_order && rmn_st_at(f, 7) == NULL, "iteration in name order, NULL past the end");

    const rmn_st_tensor *t = rmn_st_find(f, "a_f32");
    TAP_OK(t && t->dtype == RMN_ST_F32 && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 &&
               t->numel == 6 && t->nbytes == 24 && memcmp(t->data, ref_a, 24) == 0,
           "F32 (2,3) round trip");
    TAP_OK(t && ((uintptr_t)t->data % 64) == 0, "first tensor's data is 64-byte aligned");
    t = rmn_st_find(f, "b_f64");
    TAP_OK(t && t->dtype == RMN_ST_F64 && memcmp(t->data, ref_b, 24) == 0, "F64 round trip");
    t = rmn_st_find(f, "c_i32");
    TAP_OK(t && t->dtype == RMN_ST_I32 && memcmp(t->data, ref_c, 16) == 0, "I32 round trip (extremes)");
    t = rmn_st_find(f, "d_i64");
    TAP_OK(t && t->dtype == RMN_ST_I64 && t->ndim == 0 && t->numel == 1 && t->nbytes == 8 &&
               memcmp(t->data, &ref_d, 8) == 0,
           "0-dim I64 scalar round trip");
    t = rmn_st_find(f, "e_u8");
    TAP_OK(t && t->dtype == RMN_ST_U8 && memcmp(t->data, ref_e, 4) == 0, "U8 round trip");
    t = rmn_st_find(f, "f_empty");
    TAP_OK(t && t->ndim == 2 && t->shape[0] == 0 && t->shape[1] == 3 && t->numel == 0 && t->nbytes == 0 &&
               t->data == NULL,
           "empty (0,3) tensor round trip");
    t = rmn_st_find(f, "g_5d");
    TAP_OK(t && t->ndim == 5 && t->shape[3] == 2 && memcmp(t->data, ref_g, 16) == 0, "5-d round trip");
    TAP_OK(rmn_st_find(f, "zzz") == NULL && rmn_st_find(f, "a_f3") == NULL, "absent names give NULL");

    TAP_OK(rmn_st_meta_count(f) == 5, "5 metadata entries");
    TAP_OK(rmn_st_meta(f, "op") && strcmp(rmn_st_meta(f, "op"), "st_reference") == 0,
           "metadata lookup; a later meta() replaces the value");
    TAP_OK(rmn_st_meta(f, "utf8") && strcmp(rmn_st_meta(f, "utf8"), "\xc3\xa9t\xc3\xa9") == 0, "UTF-8 metadata");
    TAP_OK(rmn_st_meta(f, "nope") == NULL, "absent metadata gives NULL");
    const char *k, *v;
    rmn_st_meta_at(f, 0, &k, &v);
    TAP_OK(k && strcmp(k, "format") == 0 && strcmp(v, "pt") == 0, "metadata iteration in key order");

    /* typed access */
    float   f32[6];
    double  f64[6];
    int64_t i64[4];
    TAP_OK(rmn_st_copy_f32(rmn_st_find(f, "a_f32"), f32, 6) == RMN_OK && f32[5] == 100.0f, "copy_f32 of F32");
    TAP_OK(rmn_st_copy_f32(rmn_st_find(f, "b_f64"), f32, 3) == RMN_OK && f32[1] == -2.5f, "copy_f32 of F64");
    TAP_OK(rmn_st_copy_f64(rmn_st_find(f, "a_f32"), f64, 6) == RMN_OK, "copy_f64 needs n == numel (6)");
    TAP_OK(rmn_st_copy_f64(rmn_st_find(f, "c_i32"), f64, 4) == RMN_OK && f64[3] == -2147483648.0,
           "copy_f64 of I32");
    TAP_OK(rmn_st_copy_i64(rmn_st_find(f, "e_u8"), i64, 4) == RMN_OK && i64[3] == 255, "copy_i64 of U8");
    TAP_OK(rmn_st_copy_i64(rmn_st_find(f, "d_i64"), i64, 1) == RMN_OK && i64[0] == ref_d, "copy_i64 of scalar");
    TAP_OK(rmn_st_copy_i64(rmn_st_find(f, "a_f32"), i64, 6) == RMN_EINVAL, "copy_i64 of F32 refused");
    TAP_OK(rmn_st_copy_f32(rmn_st_find(f, "a_f32"), f32, 5) == RMN_EINVAL &&
               strstr(rmn_error_message(), "6 elements"),
           "copy with the wrong count refused: %s", rmn_error_message());

    const rmn_st_tensor *e = NULL;
    int64_t              good[] = {2, 3}, bad[] = {3, 2};
    TAP_OK(rmn_st_expect(f, "a_f32", RMN_ST_F32, 2, good, &e) == RMN_OK && e && e->numel == 6, "expect: match");
    rc = rmn_st_expect(f, "a_f32", RMN_ST_F32, 2, bad, &e);
    TAP_OK(rc == RMN_EFORMAT && e == NULL && strstr(rmn_error_message(), "tensor a_f32: shape (2,3), expected (3,2)"),
           "expect: wrong shape named: %s", rmn_error_message());
    rc = rmn_st_expect(f, "a_f32", RMN_ST_F64, -1, NULL, NULL);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "dtype F32, expected F64"), "expect: wrong dtype: %s",
           rmn_error_message());
    rc = rmn_st_expect(f, "fc.weight", RMN_ST_F32, -1, NULL, NULL);
    TAP_OK(rc == RMN_ENOTFOUND && strstr(rmn_error_message(), "no tensor named fc.weight"), "expect: absent: %s",
           rmn_error_message());
    rmn_st_close(f);
}

static void test_byte_layout(void) {
    /* hand-assembled: one F32 tensor, no metadata */
    rmn_st_writer *w;
    rmn_st_writer_create(&w);
    const float   x[2] = {1.0f, -2.0f};
    const int64_t s[1] = {2};
    rmn_st_writer_add(w, "x", RMN_ST_F32, 1, s, x);
    const char *p = tpath("tiny.safetensors");
    TAP_OK(rmn_st_writer_save(w, p) == RMN_OK, "save tiny file");
    rmn_st_writer_free(w);
    static const unsigned char want[] =
        "\x38\0\0\0\0\0\0\0"
        "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}  "
        "\x00\x00\x80\x3f\x00\x00\x00\xc0";
    size_t         n = 0;
    unsigned char *got = slurp(p, &n);
    TAP_OK(got && n == sizeof want - 1 && memcmp(got, want, n) == 0,
           "tiny file is byte-identical to the hand-assembled bytes (%zu bytes)", n);
    free(got);

    /* no tensors at all: "{}" padded to 8 */
    rmn_st_writer_create(&w);
    p = tpath("none.safetensors");
    TAP_OK(rmn_st_writer_save(w, p) == RMN_OK, "save a file without tensors");
    rmn_st_writer_free(w);
    got = slurp(p, &n);
    TAP_OK(got && n == 16 && got[0] == 8 && memcmp(got + 8, "{}      ", 8) == 0, "empty file is {} padded to 8");
    free(got);
    rmn_st_file *f = NULL;
    TAP_OK(rmn_st_open(p, &f) == RMN_OK && rmn_st_count(f) == 0 && rmn_st_meta_count(f) == 0,
           "empty file opens with no tensors");
    rmn_st_close(f);

    /* against tools/golden/st.py's reference file */
    const char *src = getenv("RMN_SRCDIR");
    char        ref[1024];
    snprintf(ref, sizeof ref, "%s/tests/data/golden/st_reference.safetensors", src ? src : ".");
    size_t         rn = 0;
    unsigned char *rb = slurp(ref, &rn);
    got = slurp(tpath("ref.safetensors"), &n);
    TAP_OK(rb && got && rn == n && memcmp(rb, got, n) == 0,
           "C writer output is byte-identical to tools/golden/st.py's reference (%zu vs %zu bytes)", n, rn);
    uint64_t hl = 0;
    for (int i = 0; got && n >= 8 && i < 8; ++i)
        hl |= (uint64_t)got[i] << (8 * i);
    size_t end = got ? (size_t)hl : 0; /* one past the closing brace */
    while (end > 0 && got[8 + end - 1] == ' ')
        --end;
    TAP_OK(got && hl % 8 == 0 && end > 0 && got[8 + end - 1] == '}' && hl - end < 8 &&
               memcmp(got + 8, "{\"__metadata__\":{", 17) == 0,
           "header: length %llu multiple of 8, %llu spaces of padding, __metadata__ first",
           (unsigned long long)hl, (unsigned long long)(hl - end));
    free(rb);
    free(got);
}

struct bad_case {
    const char *what, *header;
    size_t      dlen;
    uint64_t    hlen;
    const char *msg;
};

static void test_malformed(void) {
    static const unsigned char zeros[128];
    const struct bad_case cases[] = {
        {"header length larger than the file", "{}", 0, 1000, "header length 1000 exceeds the file size (10 bytes)"},
        {"truncated data", "{\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[5,5],\"data_offsets\":[0,100]}}", 96, 0,
         "tensor conv1.weight: data_offsets [0, 100] exceed the data section (96 bytes)"},
        {"bad JSON", "{\"x\":{\"dtype\":\"F32\",", 0, 0, "header is not valid JSON"},
        {"header not an object", "[1,2]", 0, 0, "header is not a JSON object"},
        {"unknown dtype", "{\"x\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0,
         "tensor x: unknown dtype \"F33\""},
        {"missing dtype", "{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 0, "tensor x: missing or non-string"},
        {"wrong size", "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, 0,
         "tensor x: data_offsets [0, 8] hold 8 bytes but F32 shape of 3 elements needs 12"},
        {"overlapping offsets",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
         12, 0, "tensor b: data_offsets [4, 12] overlap tensor a"},
        {"duplicate name",
         "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
         "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
         2, 0, "duplicate name in the header"},
        {"unused bytes between tensors",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
         12, 0, "bytes [4, 8) of the data section belong to no tensor"},
        {"trailing bytes", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, 0,
         "data section has 8 bytes but the tensors use only 4"},
        {"negative shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, 0,
         "tensor a: shape entry 0 is not a non-negative integer"},
        {"too many dims", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", 1, 0,
         "tensor a: 9 dims"},
        {"end before begin", "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4, 0,
         "end before begin"},
        {"bad data_offsets", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", 1, 0,
         "tensor a: \"data_offsets\" is not [begin, end]"},
        {"overflowing shape",
         "{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, 0,
         "tensor a: shape too large"},
        {"non-string metadata", "{\"__metadata__\":{\"epoch\":3}}", 0, 0, "metadata \"epoch\" is not a string"},
        {"metadata not an object", "{\"__metadata__\":[]}", 0, 0, "\"__metadata__\" is not a JSON object"},
    };
    const char *p = tpath("bad.safetensors");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        write_raw(p, cases[i].header, zeros, cases[i].dlen, cases[i].hlen);
        rmn_st_file *f = (rmn_st_file *)&f; /* must be reset to NULL */
        rmn_error_clear();
        int rc = rmn_st_open(p, &f);
        TAP_OK(rc == RMN_EFORMAT && f == NULL && strncmp(rmn_error_message(), p, strlen(p)) == 0 &&
                   strstr(rmn_error_message(), cases[i].msg) != NULL,
               "rejects %s: %s", cases[i].what, rmn_error_message());
    }
    FILE *fp = fopen(p, "wb");
    fwrite("\x02\0\0", 1, 3, fp);
    fclose(fp);
    rmn_st_file *f = NULL;
    TAP_OK(rmn_st_open(p, &f) == RMN_EFORMAT && strstr(rmn_error_message(), "file too short (3 bytes)"),
           "rejects a 3-byte file: %s", rmn_error_message());
    TAP_OK(rmn_st_open(tpath("missing.safetensors"), &f) == RMN_EIO && strstr(rmn_error_message(), "missing.safetensors: cannot open"),
           "missing file is EIO naming it: %s", rmn_error_message());
    TAP_OK(rmn_st_open(tmpdir, &f) == RMN_EIO && strstr(rmn_error_message(), "not a regular file"),
           "a directory is EIO: %s", rmn_error_message());
    /* an unaligned-but-valid foreign file: U8 then F32 at offset 1 */
    const unsigned char data[5] = {7, 0, 0, 0x80, 0x3f};
    write_raw(p,
              "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[1,5]}}",
              data, 5, 0);
    float b = 0;
    TAP_OK(rmn_st_open(p, &f) == RMN_OK && rmn_st_copy_f32(rmn_st_find(f, "b"), &b, 1) == RMN_OK && b == 1.0f,
           "unaligned F32 in a valid foreign file reads through copy_f32");
    rmn_st_close(f);
}

static void test_writer_errors(void) {
    rmn_st_writer *w;
    rmn_st_writer_create(&w);
    const float   x[4] = {0};
    int64_t       s[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, neg[1] = {-2};
    TAP_OK(rmn_st_writer_add(w, "x", RMN_ST_F32, 1, s, x) == RMN_OK, "add x");
    TAP_OK(rmn_st_writer_add(w, "x", RMN_ST_F32, 1, s, x) == RMN_EINVAL &&
               strstr(rmn_error_message(), "duplicate tensor name 'x'"),
           "duplicate name refused: %s", rmn_error_message());
    TAP_OK(rmn_st_writer_add(w, "__metadata__", RMN_ST_F32, 1, s, x) == RMN_EINVAL, "__metadata__ refused");
    TAP_OK(rmn_st_writer_add(w, "", RMN_ST_F32, 1, s, x) == RMN_EINVAL, "empty name refused");
    TAP_OK(rmn_st_writer_add(w, "bad\xff", RMN_ST_F32, 1, s, x) == RMN_EINVAL, "invalid UTF-8 name refused");
    TAP_OK(rmn_st_writer_add(w, "y", RMN_ST_F32, 9, s, x) == RMN_EINVAL, "9 dims refused");
    TAP_OK(rmn_st_writer_add(w, "y", RMN_ST_F32, 1, neg, x) == RMN_EINVAL, "negative extent refused");
    TAP_OK(rmn_st_writer_add(w, "y", 99, 1, s, x) == RMN_EINVAL, "unknown dtype refused");
    TAP_OK(rmn_st_writer_add(w, "y", RMN_ST_F32, 1, s, NULL) == RMN_EINVAL, "NULL data for a non-empty tensor refused");
    TAP_OK(rmn_st_writer_meta(w, "k", "bad\xc3") == RMN_EINVAL, "invalid UTF-8 metadata refused");
    rmn_st_writer_free(w);
    TAP_OK(rmn_st_dtype_parse("BF16") == RMN_ST_BF16 && rmn_st_dtype_size(RMN_ST_F64) == 8 &&
               rmn_st_dtype_parse("f32") == -1 && rmn_st_dtype_name(RMN_ST_NDTYPES) == NULL,
           "dtype table");
}

/* A writer holding one tensor of n floats (borrowed buffer). */
static rmn_st_writer *big_writer(const float *buf, int64_t n) {
    rmn_st_writer *w;
    rmn_st_writer_create(&w);
    rmn_st_writer_add(w, "big", RMN_ST_F32, 1, &n, buf);
    rmn_st_writer_meta(w, "epoch", "2");
    return w;
}

static int old_file_intact(const char *p) {
    rmn_st_file *f = NULL;
    int          ok = rmn_st_open(p, &f) == RMN_OK && rmn_st_count(f) == 7 && rmn_st_meta(f, "op") &&
             strcmp(rmn_st_meta(f, "op"), "st_reference") == 0;
    rmn_st_close(f);
    return ok;
}

static void test_atomic(void) {
    const char *p = tpath("ref.safetensors"); /* written by test_round_trip */
    enum { N = 1 << 16 };
    float *buf = calloc(N, sizeof *buf);
    rmn_st_writer *w = big_writer(buf, N);

    /* missing directory */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no/such/dir/ckpt.safetensors", tmpdir);
    int rc = rmn_st_writer_save(w, missing);
    TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), "ckpt.safetensors: cannot create temporary file"),
           "save into a missing directory: EIO naming the file: %s", rmn_error_message());

    /* destination is a directory: rename fails, temp file removed */
    const char *dirpath = tpath("adir.safetensors");
    mkdir(dirpath, 0700);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/keep", dirpath);
    fclose(fopen(inner, "w"));
    rc = rmn_st_writer_save(w, dirpath);
    TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), "cannot rename"), "rename failure is EIO: %s",
           rmn_error_message());
    TAP_OK(count_tmp_files() == 0, "no temporary file left after a failed rename");

    /* write failure (file size limit, as a full disk would do) over an existing file */
    struct rlimit old;
    getrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {.rlim_cur = 4096, .rlim_max = old.rlim_max};
    if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < 4096)
        lim.rlim_cur = old.rlim_cur;
    setrlimit(RLIMIT_FSIZE, &lim);
    rc = rmn_st_writer_save(w, p);
    setrlimit(RLIMIT_FSIZE, &old);
    TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), "ref.safetensors: write failed"),
           "write failure mid-file is EIO naming the file: %s", rmn_error_message());
    TAP_OK(old_file_intact(p), "the old file is intact after the failed save");
    TAP_OK(count_tmp_files() == 0, "the temporary file was removed");

    /* /dev/full: ENOSPC on the first write */
    int fd = open("/dev/full", O_WRONLY);
    if (fd >= 0) {
        rc = rmn_st_writer_write_fd(w, fd, "full.safetensors");
        TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), "full.safetensors: write failed"),
               "writing to /dev/full is EIO: %s", rmn_error_message());
        close(fd);
    } else {
        TAP_SKIP("no /dev/full");
    }

    /* read-only directory (root ignores permissions: skipped then) */
    const char *ro = tpath("ro");
    mkdir(ro, 0700);
    char rop[600];
    snprintf(rop, sizeof rop, "%s/ckpt.safetensors", ro);
    rmn_st_writer *rw = reference_writer();
    rmn_st_writer_save(rw, rop);
    rmn_st_writer_free(rw);
    chmod(ro, 0500);
    if (geteuid() != 0) {
        rc = rmn_st_writer_save(w, rop);
        TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), "cannot create temporary file"),
               "save into a read-only directory is EIO: %s", rmn_error_message());
        TAP_OK(old_file_intact(rop), "old file in the read-only directory intact");
    } else {
        TAP_SKIP("running as root: a read-only directory does not stop writes");
        TAP_SKIP("running as root");
    }
    chmod(ro, 0700);

    /* and a successful overwrite replaces the content */
    rc = rmn_st_writer_save(w, p);
    rmn_st_file *f = NULL;
    TAP_OK(rc == RMN_OK && rmn_st_open(p, &f) == RMN_OK && rmn_st_count(f) == 1 &&
               rmn_st_find(f, "big")->numel == N && count_tmp_files() == 0,
           "a successful save replaces the file and leaves no temporary file");
    rmn_st_close(f);
    rmn_st_writer_free(w);
    free(buf);
}

int main(void) {
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/rmn-st-XXXXXX", base && base[0] ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip();
    test_byte_layout();
    test_malformed();
    test_writer_errors();
    test_atomic();
    if (!getenv("RMN_TEST_KEEP")) nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return tap_done();
}

/* pickle.c -- a restricted pickle VM for PyTorch state_dicts (see pickle.h): no code runs. */
#include "core/pickle.h"

#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PK_MAX_STACK (1u << 22)
#define PK_MAX_MEMO (1u << 22)
#define PK_MAX_VALUES (1u << 25)

struct rmn_pk_arena {
    rmn_pk_value **all;
    size_t n, cap;
};

typedef struct {
    const unsigned char *buf;
    size_t len, pos, op_pos;
    const char *label;
    rmn_pk_arena *arena;
    rmn_pk_value **stack;
    size_t sp, scap;
    size_t *marks;
    size_t nmarks, mcap;
    rmn_pk_value **memo;
    size_t memo_cap;
} pk;

size_t rmn_pk_dtype_size(int dtype) {
    static const size_t sz[] = {4, 2, 2, 8, 8, 4};
    return dtype >= 0 && dtype <= RMN_PK_I32 ? sz[dtype] : 0;
}

const char *rmn_pk_dtype_name(int dtype) {
    static const char *nm[] = {"float32", "float16", "bfloat16", "float64", "int64", "int32"};
    return dtype >= 0 && dtype <= RMN_PK_I32 ? nm[dtype] : "?";
}

__attribute__((format(printf, 2, 3)))
static int pk_err(const pk *p, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return RMN_ERROR(RMN_EFORMAT, "%s: pickle at byte %zu: %s", p->label, p->op_pos, msg);
}

static void value_free(rmn_pk_value *v) {
    free(v->s);
    free(v->key);
    free(v->items);
    free(v);
}

void rmn_pk_free(rmn_pk_arena *a) {
    if (!a)
        return;
    for (size_t i = 0; i < a->n; ++i)
        value_free(a->all[i]);
    free(a->all);
    free(a);
}

static int grow(void **ptr, size_t *cap, size_t need, size_t elem, size_t limit) {
    if (need <= *cap)
        return RMN_OK;
    if (need > limit)
        return RMN_EFORMAT;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    if (nc > limit)
        nc = limit;
    void *q = realloc(*ptr, nc * elem);
    if (!q)
        return RMN_ENOMEM;
    *ptr = q;
    *cap = nc;
    return RMN_OK;
}

static int new_value(pk *p, int kind, rmn_pk_value **out) {
    rmn_pk_arena *a = p->arena;
    int rc = grow((void **)&a->all, &a->cap, a->n + 1, sizeof *a->all, PK_MAX_VALUES);
    if (rc == RMN_EFORMAT)
        return pk_err(p, "more than %u values", PK_MAX_VALUES);
    if (rc)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory reading the pickle", p->label);
    rmn_pk_value *v = calloc(1, sizeof *v);
    if (!v)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory reading the pickle", p->label);
    v->kind = kind;
    v->depth = 1;
    a->all[a->n++] = v;
    *out = v;
    return RMN_OK;
}

static int push(pk *p, rmn_pk_value *v) {
    int rc = grow((void **)&p->stack, &p->scap, p->sp + 1, sizeof *p->stack, PK_MAX_STACK);
    if (rc == RMN_EFORMAT)
        return pk_err(p, "stack deeper than %u", PK_MAX_STACK);
    if (rc)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory reading the pickle", p->label);
    p->stack[p->sp++] = v;
    return RMN_OK;
}

static int push_new(pk *p, int kind, rmn_pk_value **out) {
    rmn_pk_value *v;
    RMN_TRY(new_value(p, kind, &v));
    if (out)
        *out = v;
    return push(p, v);
}

static int pop(pk *p, rmn_pk_value **v) {
    if (p->sp == 0 || (p->nmarks && p->marks[p->nmarks - 1] == p->sp))
        return pk_err(p, "stack underflow");
    *v = p->stack[--p->sp];
    return RMN_OK;
}

static int top(pk *p, rmn_pk_value **v) {
    if (p->sp == 0 || (p->nmarks && p->marks[p->nmarks - 1] == p->sp))
        return pk_err(p, "stack underflow");
    *v = p->stack[p->sp - 1];
    return RMN_OK;
}

static int need(pk *p, size_t n) {
    if (n > p->len - p->pos)
        return pk_err(p, "truncated: %zu bytes needed, %zu left", n, p->len - p->pos);
    return RMN_OK;
}

static uint64_t le(const unsigned char *b, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
        v = (v << 8) | b[i];
    return v;
}

static int read_le(pk *p, int n, uint64_t *v) {
    RMN_TRY(need(p, (size_t)n));
    *v = le(p->buf + p->pos, n);
    p->pos += (size_t)n;
    return RMN_OK;
}

/* Appends child to container c (item list), tracking the nesting depth. */
static int add_item(pk *p, rmn_pk_value *c, rmn_pk_value *child) {
    if (child == c)
        return pk_err(p, "a container holding itself");
    int rc = grow((void **)&c->items, &c->cap, c->n + 1, sizeof *c->items, PK_MAX_VALUES);
    if (rc)
        return rc == RMN_EFORMAT ? pk_err(p, "container too large")
                                 : RMN_ERROR(RMN_ENOMEM, "%s: out of memory", p->label);
    c->items[c->n++] = child;
    if (child->depth + 1 > c->depth)
        c->depth = child->depth + 1;
    if (c->depth > RMN_PK_MAX_DEPTH)
        return pk_err(p, "nesting deeper than %d", RMN_PK_MAX_DEPTH);
    return RMN_OK;
}

static int push_string(pk *p, int kind, uint64_t n) {
    if (n > p->len - p->pos)
        return pk_err(p, "truncated: a string of %llu bytes, %zu left", (unsigned long long)n,
                      p->len - p->pos);
    rmn_pk_value *v;
    RMN_TRY(push_new(p, kind, &v));
    v->s = malloc((size_t)n + 1);
    if (!v->s)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", p->label);
    memcpy(v->s, p->buf + p->pos, (size_t)n);
    v->s[n] = 0;
    v->len = (size_t)n;
    p->pos += (size_t)n;
    return RMN_OK;
}

static int pop_mark(pk *p, size_t *start) {
    if (!p->nmarks)
        return pk_err(p, "no MARK on the stack");
    *start = p->marks[--p->nmarks];
    return RMN_OK;
}

/* Builds a tuple (kind) of stack items [start, sp), replacing them. */
static int collect(pk *p, int kind, size_t start) {
    rmn_pk_value *t;
    RMN_TRY(new_value(p, kind, &t));
    for (size_t i = start; i < p->sp; ++i)
        RMN_TRY(add_item(p, t, p->stack[i]));
    p->sp = start;
    return push(p, t);
}

static const char *const allowed_globals[] = {
    "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
    "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage",
    "torch.LongStorage", "torch.IntStorage"};

static int push_global(pk *p, const char *mod, size_t mlen, const char *name, size_t nlen) {
    char full[160];
    if (mlen + nlen + 2 > sizeof full)
        return pk_err(p, "refused global (name too long)");
    memcpy(full, mod, mlen);
    full[mlen] = '.';
    memcpy(full + mlen + 1, name, nlen);
    full[mlen + 1 + nlen] = 0;
    int ok = 0;
    for (size_t i = 0; i < sizeof allowed_globals / sizeof *allowed_globals; ++i)
        ok |= strcmp(full, allowed_globals[i]) == 0;
    for (size_t i = 0; i < mlen + 1 + nlen; ++i)
        if ((unsigned char)full[i] < 32 || (unsigned char)full[i] > 126)
            full[i] = '?';
    if (!ok)
        return pk_err(p, "refused global %s (a state_dict reader runs no code)", full);
    rmn_pk_value *v;
    RMN_TRY(push_new(p, RMN_PK_GLOBAL, &v));
    v->s = strdup(full);
    return v->s ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "%s: out of memory", p->label);
}

static int storage_dtype(const char *g) {
    static const char *const names[] = {"torch.FloatStorage", "torch.HalfStorage",
                                        "torch.BFloat16Storage", "torch.DoubleStorage",
                                        "torch.LongStorage", "torch.IntStorage"};
    for (int i = 0; i < 6; ++i)
        if (strcmp(g, names[i]) == 0)
            return i;
    return -1;
}

static int int_tuple(pk *p, const rmn_pk_value *t, const char *what, int64_t *out, int *n) {
    if (t->kind != RMN_PK_TUPLE)
        return pk_err(p, "tensor %s is not a tuple", what);
    if (t->n > RMN_PK_MAX_DIMS)
        return pk_err(p, "tensor %s has %zu dims (at most %d)", what, t->n, RMN_PK_MAX_DIMS);
    for (size_t i = 0; i < t->n; ++i) {
        if (t->items[i]->kind != RMN_PK_INT || t->items[i]->i < 0 || t->items[i]->i > (1LL << 40))
            return pk_err(p, "tensor %s[%zu] is not a size", what, i);
        out[i] = t->items[i]->i;
    }
    *n = (int)t->n;
    return RMN_OK;
}

static int op_persid(pk *p) {
    rmn_pk_value *pid, *v;
    RMN_TRY(pop(p, &pid));
    if (pid->kind != RMN_PK_TUPLE || (pid->n != 5 && pid->n != 6) || pid->items[0]->kind != RMN_PK_STR ||
        strcmp(pid->items[0]->s, "storage") != 0)
        return pk_err(p, "persistent id is not ('storage', TYPE, KEY, LOCATION, NUMEL)");
    rmn_pk_value *type = pid->items[1], *key = pid->items[2], *numel = pid->items[4];
    int dt = type->kind == RMN_PK_GLOBAL ? storage_dtype(type->s) : -1;
    if (dt < 0)
        return pk_err(p, "persistent id: not a supported storage type");
    if (numel->kind != RMN_PK_INT || numel->i < 0 || numel->i > (1LL << 40))
        return pk_err(p, "persistent id: bad storage size");
    if (pid->n == 6 && pid->items[5]->kind != RMN_PK_NONE)
        return pk_err(p, "persistent id: storage views (view_metadata, PyTorch < 0.4) are not supported");
    char kbuf[32];
    const char *k;
    if (key->kind == RMN_PK_STR)
        k = key->s;
    else if (key->kind == RMN_PK_INT)
        snprintf(kbuf, sizeof kbuf, "%lld", (long long)key->i), k = kbuf;
    else
        return pk_err(p, "persistent id: storage key is not a string");
    RMN_TRY(push_new(p, RMN_PK_STORAGE, &v));
    v->dtype = dt;
    v->numel = numel->i;
    v->key = strdup(k);
    return v->key ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "%s: out of memory", p->label);
}

static int op_reduce(pk *p) {
    rmn_pk_value *args = NULL, *fn = NULL, *v;
    RMN_TRY(pop(p, &args));
    RMN_TRY(pop(p, &fn));
    if (fn->kind != RMN_PK_GLOBAL || args->kind != RMN_PK_TUPLE)
        return pk_err(p, "REDUCE of something other than an allowed global");
    if (strcmp(fn->s, "collections.OrderedDict") == 0) {
        if (args->n != 0)
            return pk_err(p, "OrderedDict with arguments");
        return push_new(p, RMN_PK_DICT, NULL);
    }
    if (strcmp(fn->s, "torch._utils._rebuild_parameter") == 0) {
        if (args->n < 2 || args->items[0]->kind != RMN_PK_TENSOR)
            return pk_err(p, "_rebuild_parameter without a tensor");
        return push(p, args->items[0]);
    }
    if (strcmp(fn->s, "torch._utils._rebuild_tensor_v2") == 0) {
        if (args->n < 4 || args->items[0]->kind != RMN_PK_STORAGE ||
            args->items[1]->kind != RMN_PK_INT)
            return pk_err(p, "_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, ...)");
        RMN_TRY(push_new(p, RMN_PK_TENSOR, &v));
        v->storage = args->items[0];
        v->offset = args->items[1]->i;
        if (v->offset < 0 || v->offset > (1LL << 40))
            return pk_err(p, "tensor storage offset %lld", (long long)v->offset);
        int ns;
        RMN_TRY(int_tuple(p, args->items[2], "size", v->shape, &v->ndim));
        RMN_TRY(int_tuple(p, args->items[3], "stride", v->stride, &ns));
        if (ns != v->ndim)
            return pk_err(p, "tensor size has %d dims, stride %d", v->ndim, ns);
        return RMN_OK;
    }
    return pk_err(p, "REDUCE of %s", fn->s);
}

static int memo_put(pk *p, uint64_t idx) {
    if (idx >= PK_MAX_MEMO)
        return pk_err(p, "memo index %llu too large", (unsigned long long)idx);
    size_t old = p->memo_cap;
    int rc = grow((void **)&p->memo, &p->memo_cap, (size_t)idx + 1, sizeof *p->memo, PK_MAX_MEMO);
    if (rc)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", p->label);
    memset(p->memo + old, 0, (p->memo_cap - old) * sizeof *p->memo);
    rmn_pk_value *v;
    RMN_TRY(top(p, &v));
    p->memo[idx] = v;
    return RMN_OK;
}

static int memo_get(pk *p, uint64_t idx) {
    if (idx >= p->memo_cap || !p->memo[idx])
        return pk_err(p, "memo index %llu was never set", (unsigned long long)idx);
    return push(p, p->memo[idx]);
}

static int run(pk *p, rmn_pk_value **root) {
    size_t memo_count = 0;
    for (;;) {
        p->op_pos = p->pos;
        RMN_TRY(need(p, 1));
        unsigned op = p->buf[p->pos++];
        uint64_t n;
        rmn_pk_value *v, *a, *b;
        size_t start = 0;
        switch (op) {
        case 0x80: /* PROTO */
            RMN_TRY(read_le(p, 1, &n));
            if (n < 2 || n > 5)
                return pk_err(p, "pickle protocol %llu (2..5 supported)", (unsigned long long)n);
            break;
        case 0x95: /* FRAME */
            RMN_TRY(read_le(p, 8, &n));
            break;
        case '.': /* STOP */
            RMN_TRY(pop(p, root));
            return RMN_OK;
        case '(':
            RMN_TRY(grow((void **)&p->marks, &p->mcap, p->nmarks + 1, sizeof *p->marks, PK_MAX_STACK)
                        ? pk_err(p, "too many MARKs") : RMN_OK);
            p->marks[p->nmarks++] = p->sp;
            break;
        case ')': RMN_TRY(push_new(p, RMN_PK_TUPLE, NULL)); break;
        case ']': RMN_TRY(push_new(p, RMN_PK_LIST, NULL)); break;
        case '}': RMN_TRY(push_new(p, RMN_PK_DICT, NULL)); break;
        case 'N': RMN_TRY(push_new(p, RMN_PK_NONE, NULL)); break;
        case 0x88: case 0x89:
            RMN_TRY(push_new(p, RMN_PK_BOOL, &v));
            v->i = op == 0x88;
            break;
        case 'J':
            RMN_TRY(read_le(p, 4, &n));
            RMN_TRY(push_new(p, RMN_PK_INT, &v));
            v->i = (int32_t)(uint32_t)n;
            break;
        case 'K': case 'M':
            RMN_TRY(read_le(p, op == 'K' ? 1 : 2, &n));
            RMN_TRY(push_new(p, RMN_PK_INT, &v));
            v->i = (int64_t)n;
            break;
        case 0x8a: /* LONG1 */
            RMN_TRY(read_le(p, 1, &n));
            if (n > 8) { /* a big integer (torch's legacy magic number): kept as its bytes */
                RMN_TRY(push_string(p, RMN_PK_BYTES, n));
                p->stack[p->sp - 1]->kind = RMN_PK_INT;
                break;
            }
            RMN_TRY(need(p, (size_t)n));
            RMN_TRY(push_new(p, RMN_PK_INT, &v));
            if (n) {
                uint64_t u = le(p->buf + p->pos, (int)n);
                if (n < 8 && (p->buf[p->pos + n - 1] & 0x80))
                    u |= ~0ull << (8 * n);
                v->i = (int64_t)u;
            }
            p->pos += (size_t)n;
            break;
        case 'G':
            RMN_TRY(need(p, 8));
            {
                uint64_t u = 0;
                for (int i = 0; i < 8; ++i)
                    u = (u << 8) | p->buf[p->pos + (size_t)i];
                p->pos += 8;
                RMN_TRY(push_new(p, RMN_PK_FLOAT, &v));
                memcpy(&v->f, &u, 8);
            }
            break;
        case 'X': case 'T': case 'B':
            RMN_TRY(read_le(p, 4, &n));
            RMN_TRY(push_string(p, op == 'B' ? RMN_PK_BYTES : RMN_PK_STR, n));
            break;
        case 0x8c: case 'U': case 'C':
            RMN_TRY(read_le(p, 1, &n));
            RMN_TRY(push_string(p, op == 'C' ? RMN_PK_BYTES : RMN_PK_STR, n));
            break;
        case 0x8d: case 0x8e:
            RMN_TRY(read_le(p, 8, &n));
            RMN_TRY(push_string(p, op == 0x8e ? RMN_PK_BYTES : RMN_PK_STR, n));
            break;
        case 't':
            RMN_TRY(pop_mark(p, &start));
            RMN_TRY(collect(p, RMN_PK_TUPLE, start));
            break;
        case 0x85: case 0x86: case 0x87: {
            size_t k = op - 0x84;
            if (p->sp < k || (p->nmarks && p->marks[p->nmarks - 1] > p->sp - k))
                return pk_err(p, "stack underflow");
            RMN_TRY(collect(p, RMN_PK_TUPLE, p->sp - k));
            break;
        }
        case 'a':
            RMN_TRY(pop(p, &a));
            RMN_TRY(top(p, &v));
            if (v->kind != RMN_PK_LIST)
                return pk_err(p, "APPEND to a non-list");
            RMN_TRY(add_item(p, v, a));
            break;
        case 'e': case 'u':
            RMN_TRY(pop_mark(p, &start));
            if (start == 0 || (p->nmarks && p->marks[p->nmarks - 1] == start))
                return pk_err(p, "stack underflow");
            v = p->stack[start - 1];
            if (v->kind != (op == 'e' ? RMN_PK_LIST : RMN_PK_DICT))
                return pk_err(p, "%s to a non-%s", op == 'e' ? "APPENDS" : "SETITEMS",
                              op == 'e' ? "list" : "dict");
            if (op == 'u' && (p->sp - start) % 2)
                return pk_err(p, "SETITEMS with an odd number of items");
            for (size_t i = start; i < p->sp; ++i)
                RMN_TRY(add_item(p, v, p->stack[i]));
            p->sp = start;
            break;
        case 's':
            RMN_TRY(pop(p, &b));
            RMN_TRY(pop(p, &a));
            RMN_TRY(top(p, &v));
            if (v->kind != RMN_PK_DICT)
                return pk_err(p, "SETITEM to a non-dict");
            RMN_TRY(add_item(p, v, a));
            RMN_TRY(add_item(p, v, b));
            break;
        case 'q':
            RMN_TRY(read_le(p, 1, &n));
            RMN_TRY(memo_put(p, n));
            break;
        case 'r':
            RMN_TRY(read_le(p, 4, &n));
            RMN_TRY(memo_put(p, n));
            break;
        case 0x94:
            RMN_TRY(memo_put(p, memo_count++));
            break;
        case 'h':
            RMN_TRY(read_le(p, 1, &n));
            RMN_TRY(memo_get(p, n));
            break;
        case 'j':
            RMN_TRY(read_le(p, 4, &n));
            RMN_TRY(memo_get(p, n));
            break;
        case 'c': {
            const unsigned char *s = p->buf + p->pos, *end = p->buf + p->len;
            const unsigned char *nl1 = memchr(s, '\n', (size_t)(end - s));
            const unsigned char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1)) : NULL;
            if (!nl2)
                return pk_err(p, "truncated GLOBAL");
            RMN_TRY(push_global(p, (const char *)s, (size_t)(nl1 - s), (const char *)nl1 + 1,
                                (size_t)(nl2 - nl1 - 1)));
            p->pos = (size_t)(nl2 + 1 - p->buf);
            break;
        }
        case 0x93: /* STACK_GLOBAL */
            RMN_TRY(pop(p, &b));
            RMN_TRY(pop(p, &a));
            if (a->kind != RMN_PK_STR || b->kind != RMN_PK_STR)
                return pk_err(p, "STACK_GLOBAL of non-strings");
            RMN_TRY(push_global(p, a->s, a->len, b->s, b->len));
            break;
        case 'Q':
            RMN_TRY(op_persid(p));
            break;
        case 'R':
            RMN_TRY(op_reduce(p));
            break;
        case 'b': /* BUILD: only the state of an OrderedDict (its _metadata), which is dropped */
            RMN_TRY(pop(p, &a));
            RMN_TRY(top(p, &v));
            if (v->kind != RMN_PK_DICT || (a->kind != RMN_PK_DICT && a->kind != RMN_PK_NONE))
                return pk_err(p, "BUILD of something other than a dict");
            break;
        case '0':
            RMN_TRY(pop(p, &a));
            break;
        default:
            return pk_err(p, "unsupported opcode 0x%02x", op);
        }
    }
}

int rmn_pk_load(const unsigned char *buf, size_t len, size_t *pos, const char *label,
                rmn_pk_arena **arena, rmn_pk_value **root) {
    *arena = NULL;
    *root = NULL;
    pk p = {.buf = buf, .len = len, .pos = *pos, .label = label};
    p.arena = calloc(1, sizeof *p.arena);
    if (!p.arena)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", label);
    int rc = run(&p, root);
    free(p.stack);
    free(p.marks);
    free(p.memo);
    if (rc) {
        rmn_pk_free(p.arena);
        *root = NULL;
        return rc;
    }
    *pos = p.pos;
    *arena = p.arena;
    return RMN_OK;
}

rmn_pk_value *rmn_pk_dict_get(const rmn_pk_value *d, const char *key) {
    if (!d || d->kind != RMN_PK_DICT)
        return NULL;
    for (size_t i = 0; i + 1 < d->n; i += 2)
        if (d->items[i]->kind == RMN_PK_STR && strcmp(d->items[i]->s, key) == 0)
            return d->items[i + 1];
    return NULL;
}

size_t rmn_pk_count(const rmn_pk_arena *a) { return a ? a->n : 0; }
const rmn_pk_value *rmn_pk_value_at(const rmn_pk_arena *a, size_t i) { return a->all[i]; }

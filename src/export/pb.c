/* pb.c -- the minimal protobuf writer of pb.h. */
#include "export/pb.h"

#include <stdlib.h>
#include <string.h>

void rmn_pb_free(rmn_pb *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

void rmn_pb_raw(rmn_pb *b, const void *p, size_t n) {
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void rmn_pb_varint(rmn_pb *b, uint64_t v) {
    uint8_t t[10];
    int n = 0;
    do {
        t[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            t[n] |= 0x80;
        ++n;
    } while (v);
    rmn_pb_raw(b, t, (size_t)n);
}

static void key(rmn_pb *b, int field, int wire) {
    rmn_pb_varint(b, ((uint64_t)field << 3) | (uint64_t)wire);
}

void rmn_pb_int(rmn_pb *b, int field, int64_t v) {
    key(b, field, 0);
    rmn_pb_varint(b, (uint64_t)v);
}

void rmn_pb_float(rmn_pb *b, int field, float v) {
    key(b, field, 5);
    uint32_t u;
    memcpy(&u, &v, 4);
    const uint8_t t[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
    rmn_pb_raw(b, t, 4);
}

void rmn_pb_bytes(rmn_pb *b, int field, const void *p, size_t n) {
    key(b, field, 2);
    rmn_pb_varint(b, n);
    rmn_pb_raw(b, p, n);
}

void rmn_pb_str(rmn_pb *b, int field, const char *s) {
    rmn_pb_bytes(b, field, s, strlen(s));
}

void rmn_pb_msg(rmn_pb *b, int field, rmn_pb *sub) {
    if (sub->failed)
        b->failed = 1;
    rmn_pb_bytes(b, field, sub->data, sub->len);
    rmn_pb_free(sub);
}

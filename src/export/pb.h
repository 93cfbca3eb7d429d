/* pb.h -- a minimal protobuf (proto3 wire format) writer: growable byte buffers, varints,
 * length-delimited fields and nested messages. Enough for ONNX's ModelProto (export/onnx.c).
 * A buffer records its first allocation failure in `failed`; callers check it once at the end. */
#ifndef RMN_EXPORT_PB_H
#define RMN_EXPORT_PB_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;
    size_t len, cap;
    int failed;
} rmn_pb;

void rmn_pb_free(rmn_pb *b);
void rmn_pb_raw(rmn_pb *b, const void *p, size_t n);
void rmn_pb_varint(rmn_pb *b, uint64_t v);
/* field `field` as a varint (int32/int64/enum; negative values as 10-byte two's complement) */
void rmn_pb_int(rmn_pb *b, int field, int64_t v);
/* field as fixed32 float */
void rmn_pb_float(rmn_pb *b, int field, float v);
/* field as length-delimited bytes / string / an already-encoded message */
void rmn_pb_bytes(rmn_pb *b, int field, const void *p, size_t n);
void rmn_pb_str(rmn_pb *b, int field, const char *s);
/* appends sub as message field `field` of b and frees sub */
void rmn_pb_msg(rmn_pb *b, int field, rmn_pb *sub);

#endif

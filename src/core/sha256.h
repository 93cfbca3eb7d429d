/* sha256.h -- SHA-256 digests (OpenSSL libcrypto) as lowercase hex, for data sets, configs and
 * artifacts recorded in the store. */
#ifndef RMN_CORE_SHA256_H
#define RMN_CORE_SHA256_H

#include <stddef.h>

#define RMN_SHA256_HEX 65 /* 64 hex digits + NUL */

void rmn_sha256_hex(const void *data, size_t n, char hex[RMN_SHA256_HEX]);
/* Digest of a file's bytes; RMN_EIO naming the file when it cannot be read. */
int rmn_sha256_file(const char *path, char hex[RMN_SHA256_HEX]);

/* An incremental digest: begin, update with any number of pieces, end (which frees it and
 * writes the hex of everything given, as rmn_sha256_hex of the pieces joined). */
typedef struct rmn_sha256 rmn_sha256;
/* RMN_ENOMEM (recorded) when no context can be made. */
int  rmn_sha256_begin(rmn_sha256 **ctx);
void rmn_sha256_update(rmn_sha256 *ctx, const void *data, size_t n);
void rmn_sha256_end(rmn_sha256 *ctx, char hex[RMN_SHA256_HEX]);

#endif

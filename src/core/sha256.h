/* sha256.h -- SHA-256 digests (OpenSSL libcrypto) as lowercase hex, for data sets, configs and
 * artifacts recorded in the store. */
#ifndef RMN_CORE_SHA256_H
#define RMN_CORE_SHA256_H

#include <stddef.h>

#define RMN_SHA256_HEX 65 /* 64 hex digits + NUL */

void rmn_sha256_hex(const void *data, size_t n, char hex[RMN_SHA256_HEX]);
/* Digest of a file's bytes; RMN_EIO naming the file when it cannot be read. */
int rmn_sha256_file(const char *path, char hex[RMN_SHA256_HEX]);

#endif

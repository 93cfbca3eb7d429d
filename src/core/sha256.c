/* sha256.c -- SHA-256 through libcrypto's EVP interface; see sha256.h. */
#include "core/sha256.h"

#include "core/error.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static void to_hex(const unsigned char *md, unsigned len, char hex[RMN_SHA256_HEX]) {
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < len && i < 32; ++i) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

void rmn_sha256_hex(const void *data, size_t n, char hex[RMN_SHA256_HEX]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
    to_hex(md, len, hex);
}

int rmn_sha256_file(const char *path, char hex[RMN_SHA256_HEX]) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot open: %s", path, strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        fclose(f);
        return RMN_ERROR(RMN_ENOMEM, "%s: cannot allocate a digest context", path);
    }
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    static _Thread_local unsigned char buf[1 << 16];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, got);
    int failed = ferror(f);
    fclose(f);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    if (failed)
        return RMN_ERROR(RMN_EIO, "%s: read error", path);
    to_hex(md, len, hex);
    return RMN_OK;
}

// --- incremental -------------------------------------------------------------------------

int rmn_sha256_begin(rmn_sha256 **ctx) {
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    *ctx = (rmn_sha256 *)c;
    if (!c)
        return RMN_ERROR(RMN_ENOMEM, "cannot allocate a digest context");
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    return RMN_OK;
}

void rmn_sha256_update(rmn_sha256 *ctx, const void *data, size_t n) {
    EVP_DigestUpdate((EVP_MD_CTX *)ctx, data, n);
}

void rmn_sha256_end(rmn_sha256 *ctx, char hex[RMN_SHA256_HEX]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex((EVP_MD_CTX *)ctx, md, &len);
    EVP_MD_CTX_free((EVP_MD_CTX *)ctx);
    to_hex(md, len, hex);
}

/* test-sha256.c -- SHA-256 against the FIPS 180-2 test vectors, in memory and from a file. */
#include "core/error.h"
#include "core/sha256.h"
#include "tap.h"

#include <string.h>
#include <unistd.h>

int main(void) {
    char hex[RMN_SHA256_HEX];
    rmn_sha256_hex("abc", 3, hex);
    TAP_OK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0, "sha256(abc)");
    rmn_sha256_hex("", 0, hex);
    TAP_OK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0, "sha256(empty)");

    char path[] = "/tmp/rmn-sha-XXXXXX";
    int fd = mkstemp(path);
    const char *text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    TAP_OK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text), "temp file written");
    close(fd);
    TAP_OK(rmn_sha256_file(path, hex) == RMN_OK &&
               strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0,
           "sha256 of a file");
    unlink(path);
    int rc = rmn_sha256_file(path, hex);
    TAP_OK(rc == RMN_EIO && strstr(rmn_error_message(), path), "missing file is EIO naming it: %s",
           rmn_error_message());
    return tap_done();
}

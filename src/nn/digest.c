/* digest.c -- the net's digest (rmn_net_digest, net.h): SHA-256 over every named tensor in
 * the tensor list's order, through core/sha256's incremental digest. */
#include "nn/net.h"

#include <string.h>

#include "core/error.h"
#include "core/sha256.h"

int rmn_net_digest(rmn_net *net, char hex[65]) {
    const rmn_tensor_ref *list;
    int n;
    RMN_TRY(rmn_net_tensors(net, &list, &n));
    rmn_sha256 *ctx;
    RMN_TRY(rmn_sha256_begin(&ctx));
    for (int i = 0; i < n; ++i) {
        int64_t count = 1;
        for (int d = 0; d < list[i].ndim; ++d)
            count *= list[i].shape[d];
        rmn_sha256_update(ctx, list[i].name, strlen(list[i].name) + 1);
        rmn_sha256_update(ctx, list[i].shape, sizeof list[i].shape);
        rmn_sha256_update(ctx, list[i].data, (size_t)count * sizeof(float));
    }
    rmn_sha256_end(ctx, hex);
    return RMN_OK;
}

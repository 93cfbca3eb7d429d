/* bn_sync.h -- batch norm with statistics summed over data-parallel ranks (nn/bn_sync.c), run
 * by nn/run.c for every batch norm in training when rmn_net_set_bn_sync gave a sum. */
#ifndef RMN_NN_BN_SYNC_H
#define RMN_NN_BN_SYNC_H

#include "core/error.h"
#include "nn/graph.h"

/* Node nd (a bn2d) forward in training on n samples: y, save_mean, save_invstd, running stats. */
int rmn_bn_sync_forward(rmn_net *net, rmn_node *nd, int n);
/* Its backward: dgamma, dbeta (this rank's, written), dx (written when fresh has RMN_FRESH_DX,
 * else added). */
int rmn_bn_sync_backward(rmn_net *net, rmn_node *nd, int n, unsigned fresh);

#endif

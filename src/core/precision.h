/* precision.h -- the arithmetic a backend computes convolutions and linear layers in
 * (docs/PRECISION.md): fp32 everywhere (the default), or bf16 inputs and weights with fp32
 * accumulation and fp32 results (the dnnl backend on CPUs with AVX512_BF16 or AMX). A property
 * of the backend's state (tensor/backend.h set_precision), chosen per net
 * (rmn_net_set_precision, nn/net.h), by the "precision" configuration key and the programs'
 * --precision option. */
#ifndef RMN_CORE_PRECISION_H
#define RMN_CORE_PRECISION_H

typedef enum { RMN_PRECISION_FP32 = 0, RMN_PRECISION_BF16 = 1 } rmn_precision;

/* "fp32" / "bf16" -> *p; RMN_EINVAL naming the valid values otherwise (what: the option or
 * key, for the message). */
int rmn_precision_parse(const char *s, const char *what, rmn_precision *p);
/* "fp32" or "bf16". */
const char *rmn_precision_name(rmn_precision p);

#endif

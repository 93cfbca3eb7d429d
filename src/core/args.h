/* args.h -- parsing numeric command-line arguments strictly (the whole text, in range). */
#ifndef RMN_CORE_ARGS_H
#define RMN_CORE_ARGS_H

/* 1 and *out = the value when s is a decimal integer in [lo, hi]; 0 otherwise (*out untouched). */
int rmn_parse_long(const char *s, long lo, long hi, long *out);
/* The same for int. */
int rmn_parse_int(const char *s, int lo, int hi, int *out);

#endif

/* format.h -- locale-independent number, time and LaTeX text formatting for the reports. */
#ifndef RMN_REPORT_FORMAT_H
#define RMN_REPORT_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* v rounded half away from zero to `decimals` (0..9) digits, '.' as the decimal point, whatever
 * the locale; "--" (or `missing`) for NaN. Returns buf. */
const char *rmn_fmt_fixed(char *buf, size_t cap, double v, int decimals, const char *missing);
/* v as an integer count of 10^-decimals units (the printed value), for ties and maxima. */
long long rmn_fmt_scaled(double v, int decimals);
/* "YYYY-MM-DD HH:MM:SS" in UTC for ms since the epoch; "-" for ms <= 0. Returns buf. */
const char *rmn_fmt_time_utc(char *buf, size_t cap, int64_t ms);
/* Writes text with LaTeX's special characters (% & _ # $ { } ~ ^ \) escaped. */
void rmn_fmt_latex_escape(FILE *out, const char *text);
/* The same into buf (cut to cap - 1 bytes). Returns buf. */
const char *rmn_fmt_latex_escaped(char *buf, size_t cap, const char *text);

#endif

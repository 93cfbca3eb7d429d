/* format.c -- locale-independent number, time and LaTeX text formatting (see format.h).
 * Numbers are built from integers so that no locale can change the decimal point. */
#include "report/format.h"

#include <math.h>
#include <string.h>
#include <time.h>

static const long long pow10_tab[10] = {1,      10,      100,      1000,      10000,
                                        100000, 1000000, 10000000, 100000000, 1000000000};

long long rmn_fmt_scaled(double v, int decimals) {
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    return llround(v * (double)pow10_tab[decimals]);
}

const char *rmn_fmt_fixed(char *buf, size_t cap, double v, int decimals, const char *missing) {
    if (isnan(v) || isinf(v)) {
        snprintf(buf, cap, "%s", isnan(v) ? (missing ? missing : "--") : (v > 0 ? "inf" : "-inf"));
        return buf;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    long long q = rmn_fmt_scaled(fabs(v), decimals);
    long long ip = q / pow10_tab[decimals], fp = q % pow10_tab[decimals];
    const char *sign = (v < 0 && q != 0) ? "-" : "";
    if (decimals == 0)
        snprintf(buf, cap, "%s%lld", sign, ip);
    else
        snprintf(buf, cap, "%s%lld.%0*lld", sign, ip, decimals, fp);
    return buf;
}

const char *rmn_fmt_time_utc(char *buf, size_t cap, int64_t ms) {
    if (ms <= 0) {
        snprintf(buf, cap, "-");
        return buf;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

void rmn_fmt_latex_escape(FILE *out, const char *text) {
    for (const char *p = text ? text : ""; *p; ++p) {
        switch (*p) {
        case '%': case '&': case '_': case '#': case '$': case '{': case '}':
            fputc('\\', out);
            fputc(*p, out);
            break;
        case '~':
            fputs("\\textasciitilde{}", out);
            break;
        case '^':
            fputs("\\textasciicircum{}", out);
            break;
        case '\\':
            fputs("\\textbackslash{}", out);
            break;
        default:
            fputc(*p, out);
        }
    }
}

const char *rmn_fmt_latex_escaped(char *buf, size_t cap, const char *text) {
    buf[0] = '\0';
    FILE *f = fmemopen(buf, cap, "w");
    if (f) {
        setvbuf(f, NULL, _IONBF, 0); /* text that does not fit is cut, never overrun */
        rmn_fmt_latex_escape(f, text);
        fclose(f);
    }
    buf[cap - 1] = '\0';
    return buf;
}

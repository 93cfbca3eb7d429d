/* fig_util.h -- the pieces every gnuplot script of report/ is made of (fig_scripts.c): the
 * terminals in order, a terminal's set-up, quoted strings, the script's header, figure names.
 * Internal to report/. */
#ifndef RMN_REPORT_FIG_UTIL_H
#define RMN_REPORT_FIG_UTIL_H

#include "report/sbuf.h"

extern const int rmn_fig_term_bits[4]; /* RMN_FIG_PDF, _PNG, _LATEX, _DUMB */
/* "set terminal ...; set output ..." for one terminal; sizes in cm (pdf, latex; png 50 px/cm) */
void rmn_fig_term_begin(rmn_sbuf *b, int term, const char *stem, double w_cm, double h_cm);
/* a gnuplot single-quoted string; LaTeX specials escaped when latex */
void rmn_fig_gp_str(rmn_sbuf *b, const char *s, int latex);
void rmn_fig_header(rmn_sbuf *b, const char *stem, const char *what);
/* RMN_EINVAL unless stem is non-empty [A-Za-z0-9._-] */
int  rmn_fig_check_stem(const char *stem);

#endif

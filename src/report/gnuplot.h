/* gnuplot.h -- running gnuplot, a program found at run time: $RMN_GNUPLOT when set (and then
 * only it), else RMN_GNUPLOT_DEFAULT from configure when executable, else `gnuplot` on PATH.
 * A script is written to DIR/NAME.gp (kept: `cd DIR && gnuplot NAME.gp` redraws the figure)
 * and run with DIR as working directory through popen, its stderr read back: gnuplot run on a
 * file names the file and line of an error, which the error message repeats together with
 * that script line. */
#ifndef RMN_REPORT_GNUPLOT_H
#define RMN_REPORT_GNUPLOT_H

/* The program that will be run; RMN_ENOTFOUND ("gnuplot not found ...") when there is none. */
int rmn_gnuplot_find(const char **program);

/* Writes `script` to DIR/NAME.gp and runs it in DIR. RMN_ENOTFOUND when gnuplot is missing,
 * RMN_EIO when the script cannot be written, RMN_EINTERNAL when gnuplot fails: the message
 * names DIR/NAME.gp, the line, gnuplot's message and the line's text. */
int rmn_gnuplot_run(const char *dir, const char *name, const char *script);
/* DIR/NAME.pdf showing the picture DIR/NAME.png (w x h pixels, 96 per inch) through gnuplot's
 * pdfcairo terminal (script DIR/NAME.gp kept). NAME: letters, digits, '.', '_', '-' only
 * (RMN_EINVAL otherwise). */
int rmn_gnuplot_png_to_pdf(const char *dir, const char *name, int w, int h);

#endif

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_plot.h - the plot of the hot section: the time ratio to glibc
 * memcpy versus size (log-log), one panel per calling mode, a data file, a
 * gnuplot script, and running gnuplot (when installed) for PNG and SVG. */
#ifndef VMMEM_BENCH_PLOT_H
#define VMMEM_BENCH_PLOT_H

#include <stddef.h>

#include "bench_machine.h"
#include "bench_results.h"

/* Writes PREFIX.dat and PREFIX.gp for the modes in the mask modes; the
 * title names the date, commit and machine, each panel its mode. Returns
 * the number of plotted sizes, or -1 with a message in msg (nothing to
 * plot, bad prefix, write error). */
int bench_plot_write(const char *prefix, const struct bench_results *r,
                     const struct bench_machine *m, const char *commit, unsigned modes, char *msg,
                     size_t msglen);

/* Runs gnuplot on PREFIX.gp. Returns 0 when PREFIX.png and PREFIX.svg were
 * made, 1 when gnuplot is not installed, -1 when it failed; msg says which. */
int bench_plot_run(const char *prefix, char *msg, size_t msglen);

#endif /* VMMEM_BENCH_PLOT_H */

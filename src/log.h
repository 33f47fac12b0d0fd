/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/log.h - the engine's warnings (a malformed VMMEM_ISA, config line or
 * threshold variable): collected while the engine starts and delivered
 * once its function table is published, with no stdio and no malloc on the
 * way, since either could call back into memcpy. Each message is one line
 * starting with "vmmem: ". */
#ifndef VMMEM_SRC_LOG_H
#define VMMEM_SRC_LOG_H

#include <stddef.h>
#include <vmmem/init.h>

/* Room for the warnings of one start-up (each line is kept whole or
 * dropped whole; dropped lines are counted and reported as such). */
#define VMMEM_LOG_CAPACITY 1536
/* Longest quoted user text (a value, a path) kept in a message. */
#define VMMEM_LOG_QUOTE_MAX 160

typedef struct vmmem_log {
    char text[VMMEM_LOG_CAPACITY]; /* complete lines, each ending in '\n' */
    size_t len;                    /* bytes of text in use */
    size_t line_start;             /* where the line being written starts */
    int line_overflowed;           /* the line being written did not fit */
    unsigned dropped;              /* whole lines that did not fit */
} vmmem_log;

/* Empties the log. */
void vmmem_log_clear(vmmem_log *log);

/* Starts a line ("vmmem: "), appends to it, ends it. */
void vmmem_log_begin(vmmem_log *log);
void vmmem_log_text(vmmem_log *log, const char *text);
/* Appends at most VMMEM_LOG_QUOTE_MAX bytes of text ("..." if cut). */
void vmmem_log_quote(vmmem_log *log, const char *text);
void vmmem_log_unsigned(vmmem_log *log, size_t value);
void vmmem_log_end(vmmem_log *log);

/* Number of complete lines in the log. */
unsigned vmmem_log_lines(const vmmem_log *log);

/* Delivers every line, then one line counting dropped lines, if any: to
 * fn(ctx, line) one line at a time (NUL-terminated, no newline; the lines
 * are split in place, so the log is used up), or with fn NULL to stderr
 * (file descriptor 2 with write(2), no stdio; the log is left as it is). */
void vmmem_log_deliver(vmmem_log *log, vmmem_log_fn fn, void *ctx);

#endif /* VMMEM_SRC_LOG_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/log.c - see log.h. Only write(2) and plain loops: nothing here can
 * call memcpy, allocate, or take a stdio lock. */
#include "log.h"

#include <errno.h>
#include <unistd.h>

#define LOG_PREFIX "vmmem: "

void vmmem_log_clear(vmmem_log *log)
{
    log->len = 0;
    log->line_start = 0;
    log->line_overflowed = 0;
    log->dropped = 0;
}

static void append(vmmem_log *log, const char *text, size_t max)
{
    for (size_t i = 0; i < max && text[i]; i++) {
        if (log->len + 1 >= VMMEM_LOG_CAPACITY) { /* keep a byte for the '\n' */
            log->line_overflowed = 1;
            return;
        }
        log->text[log->len++] = text[i];
    }
}

void vmmem_log_begin(vmmem_log *log)
{
    log->line_start = log->len;
    log->line_overflowed = 0;
    append(log, LOG_PREFIX, sizeof LOG_PREFIX);
}

void vmmem_log_text(vmmem_log *log, const char *text)
{
    append(log, text, (size_t)-1);
}

void vmmem_log_quote(vmmem_log *log, const char *text)
{
    size_t len = 0;
    while (len <= VMMEM_LOG_QUOTE_MAX && text[len])
        len++;
    append(log, text, VMMEM_LOG_QUOTE_MAX);
    if (len > VMMEM_LOG_QUOTE_MAX)
        append(log, "...", 3);
}

/* Writes value in decimal to out (no terminator); returns the length. */
static size_t format_unsigned(char out[24], size_t value)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    return n;
}

void vmmem_log_unsigned(vmmem_log *log, size_t value)
{
    char text[24];
    size_t n = format_unsigned(text, value);
    append(log, text, n);
}

void vmmem_log_end(vmmem_log *log)
{
    if (log->line_overflowed) {
        log->len = log->line_start; /* a line is kept whole or not at all */
        log->dropped++;
    } else {
        log->text[log->len++] = '\n'; /* append() always leaves room for it */
    }
    log->line_start = log->len;
    log->line_overflowed = 0;
}

unsigned vmmem_log_lines(const vmmem_log *log)
{
    unsigned lines = 0;
    for (size_t i = 0; i < log->len; i++)
        lines += log->text[i] == '\n';
    return lines;
}

static void write_all(const char *p, size_t len)
{
    while (len > 0) {
        ssize_t done = write(2, p, len);
        if (done < 0 && errno == EINTR)
            continue;
        if (done <= 0)
            return; /* stderr is closed or broken: nothing more to do */
        p += done;
        len -= (size_t)done;
    }
}

static void deliver_to_stderr(const vmmem_log *log)
{
    write_all(log->text, log->len);
    if (log->dropped) {
        static const char rest[] = " more warning lines not shown\n";
        char count[24];
        write_all(LOG_PREFIX, sizeof LOG_PREFIX - 1);
        write_all(count, format_unsigned(count, log->dropped));
        write_all(rest, sizeof rest - 1);
    }
}

void vmmem_log_deliver(vmmem_log *log, vmmem_log_fn fn, void *ctx)
{
    if (!fn) {
        deliver_to_stderr(log);
        return;
    }
    unsigned dropped = log->dropped;
    size_t len = log->len;
    for (size_t start = 0, i = 0; i < len; i++) {
        if (log->text[i] == '\n') {
            log->text[i] = '\0';
            fn(ctx, log->text + start);
            start = i + 1;
        }
    }
    if (dropped) {
        vmmem_log_clear(log);
        vmmem_log_begin(log);
        vmmem_log_unsigned(log, dropped);
        vmmem_log_text(log, " more warning lines not shown");
        log->text[log->len] = '\0'; /* append() left room */
        fn(ctx, log->text);
    }
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/env_config.c - threshold overrides: the config file written by
 * vmmem-tune (VMMEM_CONFIG, else /etc/vmmem.conf) and the environment
 * variables (VMMEM_*_THRESHOLD), which win over the file.
 *
 * This runs on the engine's first call, which may be a memcpy of a program
 * that has not reached main() yet: the file is read with open(2)/read(2)
 * into a static buffer and parsed in place, and warnings go to a vmmem_log,
 * so nothing here can allocate or call back into memcpy. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"

int vmmem_parse_size(const char *text, size_t *out)
{
    if (!text || *text < '0' || *text > '9')
        return -1;
    size_t value = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (value > (SIZE_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    unsigned shift = 0;
    switch (*p) {
    case 'K': case 'k': shift = 10; p++; break;
    case 'M': case 'm': shift = 20; p++; break;
    case 'G': case 'g': shift = 30; p++; break;
    default: break;
    }
    if (*p != '\0' || (shift && value > (SIZE_MAX >> shift)))
        return -1;
    *out = value << shift;
    return 0;
}

/* The thresholds a config file line or an environment variable sets: every
 * field of vmmem_thresholds, under one key and one variable name each. */
static const struct threshold_override {
    const char *config_key;
    const char *env_name;
    size_t offset; /* of the size_t field in vmmem_thresholds */
} threshold_overrides[] = {
    {"simd_threshold", "VMMEM_SIMD_THRESHOLD", offsetof(vmmem_thresholds, simd)},
    {"erms_threshold", "VMMEM_ERMS_THRESHOLD", offsetof(vmmem_thresholds, erms)},
    {"nt_threshold", "VMMEM_NT_THRESHOLD", offsetof(vmmem_thresholds, nt)},
};
#define OVERRIDE_COUNT (sizeof threshold_overrides / sizeof threshold_overrides[0])
_Static_assert(OVERRIDE_COUNT * sizeof(size_t) == sizeof(vmmem_thresholds),
               "every threshold has its config key and environment variable");

static size_t *override_field(vmmem_thresholds *t, const struct threshold_override *o)
{
    return (size_t *)(void *)((char *)t + o->offset);
}

static int same_text(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* A size or "off" (SIZE_MAX). Returns 0 or -1 (then *value is unchanged). */
static int parse_threshold(const char *text, size_t *value)
{
    if (same_text(text, "off")) {
        *value = SIZE_MAX;
        return 0;
    }
    return vmmem_parse_size(text, value);
}

void vmmem_env_size(const char *name, size_t *value, vmmem_log *log)
{
    const char *text = getenv(name);
    if (text && parse_threshold(text, value) != 0) {
        vmmem_log_begin(log);
        vmmem_log_text(log, "ignoring ");
        vmmem_log_text(log, name);
        vmmem_log_text(log, "=\"");
        vmmem_log_quote(log, text);
        vmmem_log_text(log, "\": expected a byte count such as 4096, 64K or 12M, or off");
        vmmem_log_end(log);
    }
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Strips leading and trailing blanks in place. */
static char *trim(char *text)
{
    while (is_blank(*text))
        text++;
    char *end = text;
    while (*end)
        end++;
    while (end > text && is_blank(end[-1]))
        *--end = '\0';
    return text;
}

static char *find_char(char *text, char c)
{
    for (; *text; text++)
        if (*text == c)
            return text;
    return NULL;
}

/* Parses one line (comment and newline already cut off) into *t; returns 0,
 * or -1 for a malformed line (then *t is unchanged). */
static int parse_line(char *line, vmmem_thresholds *t)
{
    char *eq = find_char(line, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    const char *key = trim(line);
    for (size_t i = 0; i < OVERRIDE_COUNT; i++)
        if (same_text(key, threshold_overrides[i].config_key))
            return parse_threshold(trim(eq + 1), override_field(t, &threshold_overrides[i]));
    return -1;
}

/* The file's text: one start-up reads it at a time (the caller holds the
 * engine's start-up lock, or is a single-threaded test). */
static char config_text[VMMEM_CONFIG_MAX_BYTES + 1];

/* Reads up to VMMEM_CONFIG_MAX_BYTES of the file into config_text (NUL-
 * terminated); returns the length, or -1 if it cannot be opened or read.
 * *longer is set when the file has more. */
static ssize_t read_config_text(const char *path, int *longer)
{
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    size_t len = 0;
    int failed = 0;
    *longer = 0;
    for (;;) {
        char probe;
        char *to = len < VMMEM_CONFIG_MAX_BYTES ? config_text + len : &probe;
        ssize_t got = read(fd, to, len < VMMEM_CONFIG_MAX_BYTES ? VMMEM_CONFIG_MAX_BYTES - len : 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            failed = 1;
        if (got <= 0)
            break;
        if (len == VMMEM_CONFIG_MAX_BYTES) {
            *longer = 1;
            break;
        }
        len += (size_t)got;
    }
    close(fd);
    config_text[len] = '\0';
    return failed ? -1 : (ssize_t)len;
}

int vmmem_read_config_file(const char *path, vmmem_thresholds *t, vmmem_log *log)
{
    int longer;
    ssize_t len = read_config_text(path, &longer);
    if (len < 0)
        return -1;
    char *end = config_text + len;
    if (longer) {
        while (end > config_text && end[-1] != '\n')
            end--; /* the line cut off by the limit is not read */
        *end = '\0';
    }
    char *line = config_text;
    unsigned lineno = 1;
    for (; line < end; lineno++) {
        char *next = find_char(line, '\n');
        if (next)
            *next++ = '\0';
        else
            next = end;
        char *comment = find_char(line, '#');
        if (comment)
            *comment = '\0';
        char *text = trim(line);
        if (*text && parse_line(text, t) != 0) {
            vmmem_log_begin(log);
            vmmem_log_quote(log, path);
            vmmem_log_text(log, ":");
            vmmem_log_unsigned(log, lineno);
            vmmem_log_text(log, ": ignoring line: expected simd_threshold, erms_threshold or nt_threshold = "
                                "a byte count (4096, 64K, 12M) or off");
            vmmem_log_end(log);
        }
        line = next;
    }
    if (longer) {
        vmmem_log_begin(log);
        vmmem_log_quote(log, path);
        vmmem_log_text(log, ":");
        vmmem_log_unsigned(log, lineno);
        vmmem_log_text(log, ": the file is longer than ");
        vmmem_log_unsigned(log, VMMEM_CONFIG_MAX_BYTES);
        vmmem_log_text(log, " bytes; this line and the rest are ignored");
        vmmem_log_end(log);
    }
    return 0;
}

void vmmem_apply_overrides(vmmem_thresholds *t, int environment, int config_file, vmmem_log *log)
{
    /* secure_getenv: in a set-user-ID or otherwise privileged program
     * (secure execution) the user's VMMEM_CONFIG is not opened, so it
     * cannot make the program open a path of the user's choosing. */
    const char *path = environment ? secure_getenv("VMMEM_CONFIG") : NULL;
    if (config_file && path && *path) {
        if (vmmem_read_config_file(path, t, log) != 0) {
            vmmem_log_begin(log);
            vmmem_log_text(log, "cannot read VMMEM_CONFIG=\"");
            vmmem_log_quote(log, path);
            vmmem_log_text(log, "\"; using the defaults");
            vmmem_log_end(log);
        }
    } else if (config_file) {
        vmmem_read_config_file(VMMEM_SYSTEM_CONFIG, t, log); /* optional: absent is fine */
    }
    if (!environment)
        return;
    for (size_t i = 0; i < OVERRIDE_COUNT; i++)
        vmmem_env_size(threshold_overrides[i].env_name, override_field(t, &threshold_overrides[i]), log);
}

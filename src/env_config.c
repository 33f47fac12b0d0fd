/* src/env_config.c - threshold overrides: the config file written by
 * vmmem-tune (VMMEM_CONFIG, else /etc/vmmem.conf) and the environment
 * variables (VMMEM_*_THRESHOLD), which win over the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A size or "off" (SIZE_MAX). Returns 0 or -1 (then *value is unchanged). */
static int parse_threshold(const char *text, size_t *value)
{
    if (strcmp(text, "off") == 0) {
        *value = SIZE_MAX;
        return 0;
    }
    return vmmem_parse_size(text, value);
}

void vmmem_env_size(const char *name, size_t *value)
{
    const char *text = getenv(name);
    if (text && parse_threshold(text, value) != 0)
        fprintf(stderr, "vmmem: ignoring %s=\"%s\": expected a byte count such as 4096, 64K or 12M, or off\n",
                name, text);
}

/* Strips leading and trailing blanks in place. */
static char *trim(char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    char *end = text + strlen(text);
    while (end > text && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        *--end = '\0';
    return text;
}

int vmmem_read_config_file(const char *path, vmmem_thresholds *t)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    for (unsigned lineno = 1; fgets(line, sizeof line, f); lineno++) {
        char *comment = strchr(line, '#');
        if (comment)
            *comment = '\0';
        char *text = trim(line);
        if (!*text)
            continue;
        char *eq = strchr(text, '=');
        size_t *field = NULL;
        if (eq) {
            *eq = '\0';
            const char *key = trim(text);
            field = strcmp(key, "simd_threshold") == 0   ? &t->simd
                    : strcmp(key, "erms_threshold") == 0 ? &t->erms
                    : strcmp(key, "nt_threshold") == 0   ? &t->nt
                                                         : NULL;
        }
        if (!field || parse_threshold(trim(eq + 1), field) != 0)
            fprintf(stderr, "vmmem: %s:%u: ignoring line: expected simd_threshold, erms_threshold or "
                            "nt_threshold = a byte count (4096, 64K, 12M) or off\n",
                    path, lineno);
    }
    fclose(f);
    return 0;
}

void vmmem_apply_overrides(vmmem_thresholds *t)
{
    const char *path = getenv("VMMEM_CONFIG");
    if (path && *path) {
        if (vmmem_read_config_file(path, t) != 0)
            fprintf(stderr, "vmmem: cannot read VMMEM_CONFIG=\"%s\"; using the defaults\n", path);
    } else {
        vmmem_read_config_file(VMMEM_SYSTEM_CONFIG, t); /* optional: absent is fine */
    }
    vmmem_env_size("VMMEM_SIMD_THRESHOLD", &t->simd);
    vmmem_env_size("VMMEM_ERMS_THRESHOLD", &t->erms);
    vmmem_env_size("VMMEM_NT_THRESHOLD", &t->nt);
}

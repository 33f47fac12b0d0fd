/* src/env_config.c - reading sizes from the environment (VMMEM_*_THRESHOLD). */
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

void vmmem_env_size(const char *name, size_t *value)
{
    const char *text = getenv(name);
    if (!text)
        return;
    if (strcmp(text, "off") == 0)
        *value = SIZE_MAX;
    else if (vmmem_parse_size(text, value) != 0)
        fprintf(stderr, "vmmem: ignoring %s=\"%s\": expected a byte count such as 4096, 64K or 12M, or off\n",
                name, text);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/tls_hog.c - a module that takes TLS_HOG_BYTES of the static TLS
 * block with an initial-exec variable, as libraries in a real process do
 * (GL drivers, language runtimes). test_dma_dlopen loads copies of it until
 * glibc refuses one, leaving less static TLS than one copy needs. */
#define TLS_HOG_BYTES 64

__attribute__((tls_model("initial-exec"))) __thread char tls_hog[TLS_HOG_BYTES];

char *tls_hog_address(void);

char *tls_hog_address(void)
{
    return tls_hog;
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/init.h - starting the engine explicitly: before a sandbox, with
 * the program's own settings, with warnings sent to the program's logger.
 *
 * Nothing needs to be called first: the first call of any kind starts the
 * engine up (see vmmem/cpu.h). vmmem_init() does the same work at a moment
 * the program chooses. It is all the engine ever reads from outside the
 * process: CPUID, sysfs (/sys/devices/system/cpu/cpu0/cache), the
 * environment (VMMEM_ISA, VMMEM_CONFIG, VMMEM_*_THRESHOLD) and the config
 * file. After it returns, no call of libvmmem opens a file (but
 * vmmem_init_with(), which reads them again unless its flags say not to),
 * so a VMM can call it and then install a seccomp filter that forbids
 * open(). (vmmem_memcpy_parallel() creates threads; the JIT buffer maps
 * memory.) */
#ifndef VMMEM_INIT_H
#define VMMEM_INIT_H

#include <vmmem/cpu.h>
#include <vmmem/error.h>
#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Receives one warning line of the start-up (a malformed VMMEM_ISA,
 *  config line or threshold variable; no cache information found): text
 *  starting with "vmmem: ", no trailing newline. Called from the thread
 *  that started the engine up, after the kernel is published and outside
 *  any lock of the library, so it may copy memory and call any vmmem
 *  function. */
typedef void (*vmmem_log_fn)(void *ctx, const char *line);

/** Bits of vmmem_init_options.flags. */
enum vmmem_init_flag {
    /** Read no environment variable: neither VMMEM_ISA, VMMEM_CONFIG nor
     *  VMMEM_SIMD/ERMS/NT_THRESHOLD. */
    VMMEM_INIT_NO_ENVIRONMENT = 1u << 0,
    /** Read no config file: neither $VMMEM_CONFIG nor /etc/vmmem.conf. */
    VMMEM_INIT_NO_CONFIG_FILE = 1u << 1,
    /** Cache sizes from CPUID only, not from sysfs (or the defaults when
     *  CPUID has none). Detection runs once, in the first start-up of the
     *  process, so this only matters there. */
    VMMEM_INIT_NO_SYSFS = 1u << 2,
    /** All three: nothing from outside the process but CPUID. */
    VMMEM_INIT_HERMETIC = (1u << 0) | (1u << 1) | (1u << 2)
};

/** Options of vmmem_init_with(); zero-initialise, then set what you need. */
typedef struct vmmem_init_options {
    unsigned flags; /**< bits of enum vmmem_init_flag */
    /** Thresholds to start from instead of this CPU's defaults (NULL: the
     *  defaults). The config file and the environment still apply on top
     *  unless the flags turn them off; the erms threshold stays off on a
     *  CPU without ERMS. */
    const vmmem_thresholds *thresholds;
    vmmem_log_fn log; /**< where warnings go (NULL: one line each on stderr) */
    void *log_ctx;    /**< passed to log */
} vmmem_init_options;

/** Starts the engine up if nothing has yet (no call of the library so far):
 *  detects the CPU and reads the settings, as the first copy would. Calling
 *  it again, or after other calls, does nothing. Thread-safe.
 *  @return 0 */
VMMEM_API int vmmem_init(void);

/** Starts the engine up now with these options, whatever happened before:
 *  the ISA (VMMEM_ISA or the best one; an earlier vmmem_force_isa() is
 *  undone) and the thresholds are chosen again, and this call's warnings
 *  go to opt->log. Copies running meanwhile stay correct (each uses the old
 *  or the new kernel). Thread-safe; concurrent calls run one after the
 *  other. Call sites already bound straight to a kernel keep its ISA and
 *  scalar band, and read the other thresholds from 16 KiB up (see
 *  vmmem_force_isa() in vmmem/cpu.h).
 *  @param opt the options (NULL: the same as all zeros)
 *  @return 0, or VMMEM_EINVAL (nothing done) for an unknown flag bit */
VMMEM_API int vmmem_init_with(const vmmem_init_options *opt);

/** The library's version, "MAJOR.MINOR.PATCH" (as VMMEM_VERSION_MAJOR,
 *  _MINOR and _PATCH in vmmem/vmmem.h were when it was built).
 *  @return a string constant */
VMMEM_API const char *vmmem_version(void);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_INIT_H */

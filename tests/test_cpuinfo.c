/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_cpuinfo.c - CPU and cache detection: our cache sizes against
 * the kernel's view in sysfs (the L3 glibc gets wrong here), the sysfs
 * reader on made-up trees, the defaults, and the size parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "test_support.h"

#define SYSFS_CPU0 "/sys/devices/system/cpu/cpu0"

/* Reads the size of the cache at `level` (not instruction) straight from
 * sysfs, independently of the library's reader; 0 if absent. */
static size_t sysfs_cache_size(int level)
{
    for (int i = 0; i < 16; i++) {
        char path[256], type[64] = "";
        int lvl = 0;
        snprintf(path, sizeof path, SYSFS_CPU0 "/cache/index%d/level", i);
        FILE *f = fopen(path, "r");
        if (!f)
            break;
        if (fscanf(f, "%d", &lvl) != 1)
            lvl = 0;
        fclose(f);
        snprintf(path, sizeof path, SYSFS_CPU0 "/cache/index%d/type", i);
        if ((f = fopen(path, "r"))) {
            if (!fgets(type, sizeof type, f))
                type[0] = '\0';
            fclose(f);
        }
        if (lvl != level || strncmp(type, "Instruction", 11) == 0)
            continue;
        snprintf(path, sizeof path, SYSFS_CPU0 "/cache/index%d/size", i);
        if (!(f = fopen(path, "r")))
            return 0;
        unsigned long kib = 0;
        char unit = 0;
        int got = fscanf(f, "%lu%c", &kib, &unit);
        fclose(f);
        if (got < 1)
            return 0;
        return unit == 'M' ? kib << 20 : unit == 'K' ? kib << 10 : kib;
    }
    return 0;
}

static void test_caches_match_sysfs(void **state)
{
    (void)state;
    size_t l1 = sysfs_cache_size(1), l2 = sysfs_cache_size(2), l3 = sysfs_cache_size(3);
    if (l1 == 0)
        skip(); /* no sysfs cache information (containers, some emulators) */
    const char *synthetic = getenv("VMMEM_TEST_SYNTHETIC_CPUID");
    if (synthetic && *synthetic)
        skip(); /* Valgrind answers CPUID with a made-up CPU (test-valgrind.sh) */
    vmmem_cpu_info cpu;
    assert_int_equal(vmmem_get_cpu_info(&cpu), VMMEM_OK);
    printf("# vendor %s, L1d %zu, L2 %zu, L3 %zu shared by %u (share %zu), source %d\n", cpu.vendor,
           cpu.l1d_bytes, cpu.l2_bytes, cpu.l3_bytes, cpu.l3_sharing_cpus, cpu.l3_share_bytes,
           cpu.cache_source);
    assert_int_equal(cpu.l1d_bytes, l1);
    if (l2)
        assert_int_equal(cpu.l2_bytes, l2);
    if (l3)
        assert_int_equal(cpu.l3_bytes, l3);
    assert_int_equal(cpu.l3_share_bytes, cpu.l3_bytes ? cpu.l3_bytes / cpu.l3_sharing_cpus : 0);
#if defined(__x86_64__)
    /* on x86 the figures must come from CPUID itself, not the fallback */
    if (strcmp(cpu.vendor, "AuthenticAMD") == 0 || strcmp(cpu.vendor, "GenuineIntel") == 0)
        assert_int_equal(cpu.cache_source, VMMEM_CACHE_CPUID);
#endif
}

/* Makes dir/cache/indexN with the given files. */
static void make_index(const char *root, int index, const char *level, const char *type, const char *size,
                       const char *shared)
{
    char path[512];
    snprintf(path, sizeof path, "%s/cache", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/cache/index%d", root, index);
    mkdir(path, 0700);
    const char *names[] = {"level", "type", "size", "shared_cpu_list"};
    const char *values[] = {level, type, size, shared};
    for (int i = 0; i < 4; i++) {
        if (!values[i])
            continue;
        char file[600];
        snprintf(file, sizeof file, "%s/%s", path, names[i]);
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        fprintf(f, "%s\n", values[i]);
        fclose(f);
    }
}

static void remove_tree(const char *root)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static void test_sysfs_reader_on_a_made_up_tree(void **state)
{
    (void)state;
    char root[] = "/tmp/vmmem_sysfs_XXXXXX";
    assert_non_null(mkdtemp(root));
    make_index(root, 0, "1", "Data", "48K", "0");
    make_index(root, 1, "1", "Instruction", "32K", "0");
    make_index(root, 2, "2", "Unified", "2048K", "0");
    make_index(root, 3, "3", "Unified", "96M", "0-3,8-11");
    vmmem_cpu_info info;
    memset(&info, 0, sizeof info);
    assert_int_equal(vmmem_read_sysfs_caches(root, &info), 0);
    assert_int_equal(info.l1d_bytes, 48 << 10);
    assert_int_equal(info.l2_bytes, 2048 << 10);
    assert_int_equal(info.l3_bytes, (size_t)96 << 20);
    assert_int_equal(info.l3_sharing_cpus, 8);
    assert_int_equal(info.cache_source, VMMEM_CACHE_SYSFS);
    vmmem_finish_cache_info(&info);
    assert_int_equal(info.l3_share_bytes, ((size_t)96 << 20) / 8);
    remove_tree(root);
}

static void test_sysfs_reader_rejects_missing_and_malformed(void **state)
{
    (void)state;
    vmmem_cpu_info info, before;
    memset(&info, 0x11, sizeof info);
    before = info;
    assert_int_equal(vmmem_read_sysfs_caches("/nonexistent/cpu0", &info), -1);
    assert_memory_equal(&info, &before, sizeof info);

    char root[] = "/tmp/vmmem_sysfs_XXXXXX";
    assert_non_null(mkdtemp(root));
    make_index(root, 0, "1", "Data", "lots", "0"); /* malformed size: skipped */
    make_index(root, 1, "3", "Unified", "32M", "0-1,garbage");
    assert_int_equal(vmmem_read_sysfs_caches(root, &info), -1); /* no usable L1d */
    assert_memory_equal(&info, &before, sizeof info);
    remove_tree(root);
}

static void test_defaults_when_nothing_is_known(void **state)
{
    (void)state;
    vmmem_cpu_info info;
    memset(&info, 0, sizeof info);
    vmmem_finish_cache_info(&info);
    assert_int_equal(info.cache_source, VMMEM_CACHE_DEFAULT);
    assert_true(info.l1d_bytes > 0 && info.l2_bytes > 0);
    /* no L3 is assumed, and the L3 fields agree with each other (cpu.h) */
    assert_int_equal(info.l3_bytes, 0);
    assert_int_equal(info.l3_sharing_cpus, 0);
    assert_int_equal(info.l3_share_bytes, 0);
}

static void test_parse_size(void **state)
{
    (void)state;
    size_t v = 7;
    assert_int_equal(vmmem_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(vmmem_parse_size("4096", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(vmmem_parse_size("48K", &v), 0);
    assert_int_equal(v, 48 << 10);
    assert_int_equal(vmmem_parse_size("12m", &v), 0);
    assert_int_equal(v, 12 << 20);
    assert_int_equal(vmmem_parse_size("2G", &v), 0);
    assert_int_equal(v, (size_t)2 << 30);
    v = 7;
    const char *bad[] = {"", "K", "-1", " 5", "5 ", "12Q", "1KB", "99999999999999999999999",
                         "18446744073709551615G", NULL};
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(vmmem_parse_size(bad[i], &v), -1);
        assert_int_equal(v, 7);
    }
    assert_int_equal(vmmem_parse_size(NULL, &v), -1);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caches_match_sysfs),
        cmocka_unit_test(test_sysfs_reader_on_a_made_up_tree),
        cmocka_unit_test(test_sysfs_reader_rejects_missing_and_malformed),
        cmocka_unit_test(test_defaults_when_nothing_is_known),
        cmocka_unit_test(test_parse_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_single_access.c - a copy of 2, 4 or 8 bytes between pointers
 * aligned to that size reads and writes only with accesses of exactly that
 * width, seen instruction by instruction (x86_64). The source page is made
 * inaccessible and the destination page read-only, so every instruction
 * that reads the source or writes the destination faults. The fault handler
 * notes the instruction, opens the page and sets the trap flag; after that
 * one instruction the trap handler closes the page again. Capstone then
 * decodes each noted instruction: one or two on each page (the head/tail
 * ladders make the same access twice, as untorn as once), each with an
 * n-byte memory operand; a masked 64-byte vector access, a byte loop or
 * `rep movsb` fail here. test_atomicity checks the same property by racing
 * a reader, which catches a tear only by chance. Run under
 * libvmmem-preload.so (the .preload variant), the program's own memcpy and
 * memmove are checked too: on the AVX-512 kernel they copy up to 256 bytes
 * in the preload's assembly, not through an engine entry. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <capstone/capstone.h>
#include <cmocka.h>

#include "test_support.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZER_BUILD 1
#endif
#endif
#ifndef SANITIZER_BUILD
#define SANITIZER_BUILD 0
#endif

#define MAX_NOTED 16
#define TRAP_FLAG 0x100 /* EFLAGS.TF: a debug trap after the next instruction */

static copy_under_test functions[32];
static size_t function_count;
static size_t page_size;

/* The two watched pages and what the signal handlers note about them. */
static unsigned char *src_page, *dst_page;
static volatile sig_atomic_t noted;            /* faults seen (may exceed MAX_NOTED) */
static uintptr_t noted_ip[MAX_NOTED];          /* the faulting instruction */
static int noted_on_dst[MAX_NOTED];            /* 1: destination page, 0: source page */
static unsigned char *reopened[2];             /* pages to close again at the trap */
static volatile sig_atomic_t reopened_count;

static void close_pages(void)
{
    if (mprotect(src_page, page_size, PROT_NONE) != 0 || mprotect(dst_page, page_size, PROT_READ) != 0)
        abort();
}

static void on_fault(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    ucontext_t *uc = context;
    unsigned char *addr = info->si_addr;
    unsigned char *page = NULL;
    if (addr >= src_page && addr < src_page + page_size)
        page = src_page;
    else if (addr >= dst_page && addr < dst_page + page_size)
        page = dst_page;
    if (!page || reopened_count == 2)
        abort(); /* a fault this test did not set up */
    if (noted < MAX_NOTED) {
        noted_ip[noted] = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
        noted_on_dst[noted] = page == dst_page;
    }
    noted++;
    if (mprotect(page, page_size, PROT_READ | PROT_WRITE) != 0)
        abort();
    reopened[reopened_count++] = page;
    uc->uc_mcontext.gregs[REG_EFL] |= TRAP_FLAG;
}

static void on_trap(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)info;
    ucontext_t *uc = context;
    close_pages();
    reopened_count = 0;
    uc->uc_mcontext.gregs[REG_EFL] &= ~(greg_t)TRAP_FLAG;
}

static void install(int sig, void (*handler)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

/* Width in bytes of the memory operand of the instruction at ip, or 0 when
 * it has none. */
static unsigned memory_operand_width(csh cs, uintptr_t ip, char *text, size_t text_len)
{
    cs_insn *insn;
    unsigned width = 0;
    snprintf(text, text_len, "(undecodable at %#lx)", (unsigned long)ip);
    if (cs_disasm(cs, (const uint8_t *)ip, 16, ip, 1, &insn) != 1)
        return 0;
    snprintf(text, text_len, "%.31s %.120s", insn->mnemonic, insn->op_str);
    const cs_x86 *x86 = &insn->detail->x86;
    for (uint8_t i = 0; i < x86->op_count; i++)
        if (x86->operands[i].type == X86_OP_MEM)
            width = x86->operands[i].size;
    cs_free(insn, 1);
    return width;
}

/* Copies n bytes from src_page + so to dst_page + dof with every access to
 * the two pages trapped, and checks what was noted. */
static void check_one_copy(csh cs, const copy_under_test *f, size_t n, size_t so, size_t dof)
{
    unsigned char expect[8];
    memcpy(expect, src_page + so, n);
    noted = 0;
    reopened_count = 0;
    close_pages();
    f->fn(dst_page + dof, src_page + so, n);
    if (mprotect(src_page, page_size, PROT_READ | PROT_WRITE) != 0 ||
        mprotect(dst_page, page_size, PROT_READ | PROT_WRITE) != 0)
        fail_msg("mprotect failed");
    if (memcmp(dst_page + dof, expect, n) != 0)
        fail_msg("%s: n=%zu src+%zu dst+%zu: wrong bytes", f->name, n, so, dof);
    if (noted > MAX_NOTED)
        fail_msg("%s: n=%zu src+%zu dst+%zu: %d accesses to the two pages", f->name, n, so, dof,
                 (int)noted);
    int loads = 0, stores = 0;
    for (int i = 0; i < noted; i++) {
        char text[192];
        unsigned width = memory_operand_width(cs, noted_ip[i], text, sizeof text);
        if (width != n)
            fail_msg("%s: n=%zu src+%zu dst+%zu: `%s` accesses %u bytes of the %s", f->name, n, so, dof, text,
                     width, noted_on_dst[i] ? "destination" : "source");
        noted_on_dst[i] ? stores++ : loads++;
    }
    if (loads < 1 || loads > 2 || stores < 1 || stores > 2)
        fail_msg("%s: n=%zu src+%zu dst+%zu: %d loads and %d stores (want one or two each)", f->name, n, so,
                 dof, loads, stores);
}

/* When this program's memcpy is libvmmem-preload.so's, adds it and memmove. */
static void add_preloaded_copies(void)
{
    void *(*volatile bound_memcpy)(void *, const void *, size_t) = memcpy;
    void *(*volatile bound_memmove)(void *, const void *, size_t) = memmove;
    Dl_info info;
    if (!dladdr((void *)bound_memcpy, &info) || !info.dli_fname || !strstr(info.dli_fname, "libvmmem-preload") ||
        function_count + 2 > sizeof functions / sizeof functions[0])
        return;
    printf("also checking libvmmem-preload.so's memcpy and memmove\n");
    functions[function_count++] = (copy_under_test){"memcpy (libvmmem-preload.so)", bound_memcpy};
    functions[function_count++] = (copy_under_test){"memmove (libvmmem-preload.so)", bound_memmove};
}

static void test_aligned_small_copies_are_one_load_and_one_store(void **state)
{
    (void)state;
    csh cs;
    assert_int_equal(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
    assert_int_equal(cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON), CS_ERR_OK);
    install(SIGSEGV, on_fault);
    install(SIGTRAP, on_trap);
    static const size_t widths[] = {2, 4, 8};
    for (size_t f = 0; f < function_count; f++) {
        /* one call first, so that lazy binding and the dispatcher's first
         * call (which touch neither page) are behind us */
        unsigned char scratch[8] = {0};
        functions[f].fn(scratch, scratch + 4, 4);
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            size_t n = widths[w];
            /* aligned at the page start, inside, and flush with the page end */
            const size_t offsets[][2] = {{0, 0}, {n, 3 * n}, {64, 8 * n}, {page_size - n, page_size - n}};
            for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++)
                check_one_copy(cs, &functions[f], n, offsets[o][0], offsets[o][1]);
        }
    }
    signal(SIGSEGV, SIG_DFL);
    signal(SIGTRAP, SIG_DFL);
    cs_close(&cs);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || SANITIZER_BUILD
    printf("skipped: the sanitizers' own fault handling and shadow memory get in the way of trapping each access\n");
    return TEST_SKIP_EXIT;
#endif
    if (running_under_emulator() || running_under_valgrind()) {
        printf("skipped: needs the CPU's own page faults and trap flag\n");
        return TEST_SKIP_EXIT;
    }
    page_size = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *pages = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED)
        return 1;
    src_page = pages;
    dst_page = pages + page_size;
    fill_pattern(src_page, page_size, 7);
    function_count = copy_functions_under_test(functions, sizeof functions / sizeof functions[0]);
    add_preloaded_copies();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aligned_small_copies_are_one_load_and_one_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_dma_dlopen.c - libvmmem and libvmmem-vm loaded late with
 * dlopen() by a program that links neither, after other modules have used
 * up the static TLS block that glibc keeps for dlopen() (copies of
 * tls_hog.so, until one is refused): the libraries must still load (no
 * initial-exec TLS), and a DMA transfer called through dlsym() must work on
 * the main thread and on a new one, including the re-entrancy guard (its
 * per-thread state). Plain C with exit codes: the program must not link a
 * library that links libvmmem. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmmem/dma.h>

#define MAX_HOGS 256

static _Noreturn void fail(const char *what, const char *detail)
{
    fprintf(stderr, "test_dma_dlopen: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

/* Loads copies of the hog module until glibc refuses one for lack of static
 * TLS; returns how many loaded. */
static int use_up_static_tls(void)
{
    FILE *in = fopen(TLS_HOG_SO, "rb");
    if (!in)
        fail("cannot open", TLS_HOG_SO);
    static char image[1 << 20];
    size_t len = fread(image, 1, sizeof image, in);
    fclose(in);
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    for (int i = 0; i < MAX_HOGS; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/vmmem-tls-hog-XXXXXX", dir);
        int fd = mkstemp(path);
        if (fd < 0 || write(fd, image, len) != (ssize_t)len)
            fail("cannot write a copy of", TLS_HOG_SO);
        close(fd);
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        unlink(path);
        if (!h)
            return i; /* the static TLS block is full */
    }
    fail("static TLS never ran out", NULL);
    return 0;
}

/* The calls used, found with dlsym() in the loaded libraries. */
static struct {
    int (*memory_create)(vmmem_guest_memory **);
    void (*memory_destroy)(vmmem_guest_memory *);
    int (*add_ram)(vmmem_guest_memory *, vmmem_gpa, uint64_t, const vmmem_ram_options *);
    int (*device_create)(const vmmem_dma_config *, vmmem_dma_device **);
    void (*device_destroy)(vmmem_dma_device *);
    int (*to_guest)(vmmem_dma_device *, const vmmem_dma_segment *, size_t, const void *, size_t);
    int (*from_guest)(vmmem_dma_device *, const vmmem_dma_segment *, size_t, void *, size_t);
    int (*mmio_enter)(vmmem_dma_device *);
    void (*mmio_exit)(vmmem_dma_device *);
    void *(*memcpy_fast)(void *, const void *, size_t);
} api;

static void *symbol(void *lib, const char *name)
{
    void *p = dlsym(lib, name);
    if (!p)
        fail("missing symbol", name);
    return p;
}

/* A round trip through two segments, and the guard refusing DMA while the
 * thread is inside the device's MMIO handler. Returns NULL or an error. */
static void *dma_round_trip(void *arg)
{
    vmmem_dma_device *dev = arg;
    unsigned char out[3000], back[3000];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (unsigned char)(i * 7 + 1);
    vmmem_dma_segment sg[2] = { { 0x1000, 1000 }, { 0x8003, 2000 } };
    if (api.to_guest(dev, sg, 2, out, sizeof out) != VMMEM_OK)
        return "vmmem_dma_to_guest failed";
    memset(back, 0, sizeof back);
    if (api.from_guest(dev, sg, 2, back, sizeof back) != VMMEM_OK || memcmp(out, back, sizeof out) != 0)
        return "vmmem_dma_from_guest did not return the bytes written";
    if (api.mmio_enter(dev) != VMMEM_OK)
        return "vmmem_dma_mmio_enter failed";
    int busy = api.to_guest(dev, sg, 2, out, sizeof out);
    api.mmio_exit(dev);
    if (busy != VMMEM_EBUSY)
        return "DMA inside the device's MMIO handler was not refused";
    unsigned char copy[16];
    api.memcpy_fast(copy, out, sizeof copy);
    if (memcmp(copy, out, sizeof copy) != 0)
        return "vmmem_memcpy_fast through dlsym";
    return NULL;
}

int main(void)
{
    int hogs = use_up_static_tls();
    void *core = dlopen(VMMEM_CORE_SO, RTLD_NOW | RTLD_GLOBAL);
    if (!core)
        fail("dlopen libvmmem", dlerror());
    void *vm = dlopen(VMMEM_VM_SO, RTLD_NOW | RTLD_LOCAL);
    if (!vm)
        fail("dlopen libvmmem-vm", dlerror());
    *(void **)&api.memory_create = symbol(vm, "vmmem_guest_memory_create");
    *(void **)&api.memory_destroy = symbol(vm, "vmmem_guest_memory_destroy");
    *(void **)&api.add_ram = symbol(vm, "vmmem_guest_add_ram");
    *(void **)&api.device_create = symbol(vm, "vmmem_dma_device_create");
    *(void **)&api.device_destroy = symbol(vm, "vmmem_dma_device_destroy");
    *(void **)&api.to_guest = symbol(vm, "vmmem_dma_to_guest");
    *(void **)&api.from_guest = symbol(vm, "vmmem_dma_from_guest");
    *(void **)&api.mmio_enter = symbol(vm, "vmmem_dma_mmio_enter");
    *(void **)&api.mmio_exit = symbol(vm, "vmmem_dma_mmio_exit");
    *(void **)&api.memcpy_fast = symbol(core, "vmmem_memcpy_fast");
    vmmem_guest_memory *gm;
    vmmem_dma_device *dev;
    if (api.memory_create(&gm) != VMMEM_OK || api.add_ram(gm, 0, 1u << 20, NULL) != VMMEM_OK)
        fail("guest memory", NULL);
    vmmem_dma_config cfg = { gm, 0, 0, 0 };
    if (api.device_create(&cfg, &dev) != VMMEM_OK)
        fail("vmmem_dma_device_create", NULL);
    const char *err = dma_round_trip(dev);
    if (err)
        fail("main thread", err);
    pthread_t t;
    void *thread_err = NULL; /* clang: -Wsometimes-uninitialized (fail() does not return) */
    if (pthread_create(&t, NULL, dma_round_trip, dev) != 0 || pthread_join(t, &thread_err) != 0)
        fail("pthread", NULL);
    if (thread_err)
        fail("second thread", thread_err);
    api.device_destroy(dev);
    api.memory_destroy(gm);
    printf("test_dma_dlopen: both libraries loaded after %d modules used up the static TLS; DMA works\n", hogs);
    return 0;
}

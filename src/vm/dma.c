/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/dma.c - DMA contexts, the re-entrancy guard, sessions and a
 * transfer's section, and scatter-gather list validation. Copies between
 * guest segments and host buffers or other guest segments live in
 * dma_copy.c, file I/O in dma_file.c. */
#include "dma_internal.h"
#include "guest_rcu.h"

#include <stdlib.h>

/* The guard: the devices whose MMIO access this thread is handling, as a
 * stack (handlers nest when one touches another device's MMIO). Per thread,
 * so that DMA a device issues from an I/O thread is not refused while a
 * vCPU thread is inside one of its registers. The default TLS model (a
 * library loaded late by dlopen() gets dynamic TLS): a transfer reads it
 * only while some thread is inside one of the device's handlers (see
 * dma_thread_in_mmio()). */
static _Thread_local const vmmem_dma_device *mmio_stack[VMMEM_DMA_MAX_MMIO_NESTING];
static _Thread_local unsigned mmio_depth;

int dma_guard_holds(const vmmem_dma_device *dev)
{
    for (unsigned i = 0; i < mmio_depth; i++)
        if (mmio_stack[i] == dev)
            return 1;
    return 0;
}

int vmmem_dma_device_create(const vmmem_dma_config *config, vmmem_dma_device **out)
{
    if (!config || !out || !config->gm)
        return VMMEM_EINVAL;
    uint64_t max_total = config->max_total ? config->max_total : VMMEM_DMA_DEFAULT_MAX_TOTAL;
    if (max_total > SIZE_MAX)
        return VMMEM_ERANGE;
    if (config->mmio_size && config->mmio_base + (config->mmio_size - 1) < config->mmio_base)
        return VMMEM_ERANGE;
    vmmem_dma_device *dev = calloc(1, sizeof *dev);
    if (!dev)
        return VMMEM_ENOMEM;
    dev->gm = config->gm;
    dev->has_window = config->mmio_size != 0;
    dev->window_first = config->mmio_base;
    dev->window_last = config->mmio_base + (config->mmio_size - 1);
    dev->max_total = max_total;
    atomic_init(&dev->handlers, 0);
    *out = dev;
    return VMMEM_OK;
}

void vmmem_dma_device_destroy(vmmem_dma_device *dev)
{
    free(dev);
}

vmmem_guest_memory *vmmem_dma_device_memory(const vmmem_dma_device *dev)
{
    return dev ? dev->gm : NULL;
}

int vmmem_dma_mmio_enter(vmmem_dma_device *dev)
{
    if (!dev)
        return VMMEM_EINVAL;
    if (dma_thread_in_mmio(dev))
        return VMMEM_EBUSY;
    if (mmio_depth == VMMEM_DMA_MAX_MMIO_NESTING)
        return VMMEM_EINVAL;
    mmio_stack[mmio_depth++] = dev;
    atomic_fetch_add_explicit(&dev->handlers, 1, memory_order_relaxed);
    return VMMEM_OK;
}

void vmmem_dma_mmio_exit(vmmem_dma_device *dev)
{
    if (mmio_depth > 0 && mmio_stack[mmio_depth - 1] == dev) {
        mmio_depth--;
        atomic_fetch_sub_explicit(&dev->handlers, 1, memory_order_relaxed);
    }
}

void dma_session_begin(dma_session *s, vmmem_guest_memory *gm)
{
    guest_rcu_read_lock();
    s->gm = gm;
    s->m = guest_map_current(gm);
    s->active = true;
}

void dma_session_end(dma_session *s)
{
    if (s->active) {
        s->active = false;
        s->gm = NULL;
        guest_rcu_read_unlock();
    }
}

int dma_check_lengths(const vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                      vmmem_dma_direction dir, uint64_t *total)
{
    if (!dev || !sg || count == 0 || count > VMMEM_DMA_MAX_SEGMENTS)
        return VMMEM_EINVAL;
    if (dir != VMMEM_DMA_TO_GUEST && dir != VMMEM_DMA_FROM_GUEST)
        return VMMEM_EINVAL;
    if (dma_thread_in_mmio(dev))
        return VMMEM_EBUSY;
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (sg[i].len == 0)
            continue;
        if (sg[i].addr + (sg[i].len - 1) < sg[i].addr)
            return VMMEM_ERANGE;
        if (sg[i].len > dev->max_total - sum)
            return VMMEM_ERANGE;
        sum += sg[i].len;
    }
    if (sum == 0)
        return VMMEM_EINVAL;
    *total = sum;
    return VMMEM_OK;
}

int vmmem_dma_check(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                    vmmem_dma_direction dir, uint64_t *total)
{
    if (!dev)
        return VMMEM_EINVAL;
    dma_transfer t;
    dma_transfer_begin(&t, dev->gm, NULL);
    int rc = dma_check_in(dev, &t, sg, count, dir, total);
    dma_transfer_end(&t);
    return rc;
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/guest_rcu.h - the RCU calls of the guest memory manager, in one
 * place: Debian's liburcu, "bulletproof" flavour (urcu-bp), whose readers
 * need no registration (vCPU threads belong to the caller). The library is
 * called through its exported functions, or inlined when the build defines
 * _LGPL_SOURCE (CMake option VMMEM_URCU_INLINE, off by default).
 *
 * ThreadSanitizer does not see liburcu's grace periods (the library is not
 * instrumented), so in a -fsanitize=thread build every read-side unlock is
 * announced as a release and the end of every grace period as an acquire
 * on one token: exactly the ordering RCU guarantees (a reader that could see
 * an object has finished before the object is freed). Other builds compile
 * to the bare urcu calls. */
#ifndef VMMEM_SRC_VM_GUEST_RCU_H
#define VMMEM_SRC_VM_GUEST_RCU_H

#include <urcu/urcu-bp.h>

#if defined(__SANITIZE_THREAD__)
#define GUEST_RCU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GUEST_RCU_TSAN 1
#endif
#endif

#ifdef GUEST_RCU_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char guest_rcu_tsan_token; /* guest_memory.c */
#endif

static inline void guest_rcu_read_lock(void)
{
    urcu_bp_read_lock();
}

static inline void guest_rcu_read_unlock(void)
{
#ifdef GUEST_RCU_TSAN
    __tsan_release(&guest_rcu_tsan_token);
#endif
    urcu_bp_read_unlock();
}

/* Non-zero inside a read-side section of this thread. */
static inline int guest_rcu_reading(void)
{
    return urcu_bp_read_ongoing();
}

/* Waits until every read-side section that began before has ended. */
static inline void guest_rcu_synchronize(void)
{
    urcu_bp_synchronize_rcu();
#ifdef GUEST_RCU_TSAN
    __tsan_acquire(&guest_rcu_tsan_token);
#endif
}

#endif /* VMMEM_SRC_VM_GUEST_RCU_H */

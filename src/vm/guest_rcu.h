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
 * to the bare urcu calls.
 *
 * A thread inside vmmem_guest_enter() is already in a read-side section, so
 * the calls it makes there need none of their own: libvmmem-vm keeps the
 * depth of those sections per thread (guest_section_depth), and a call that
 * finds it non-zero makes no liburcu call at all (guest_call_enter(), or
 * the split of guest_access.c's calls: the entered path has no call and
 * saves no register; the other takes the lock out of line). The
 * library is built with TLS descriptors where the compiler has them
 * (src/vm/CMakeLists.txt): the depth is then read without __tls_get_addr,
 * and a libvmmem-vm dlopen()ed after the static TLS is used up still loads
 * (initial-exec TLS would not: test_dma_dlopen).
 * The region map is still loaded with acquire semantics in every call
 * (guest_map_current()), as rcu_dereference() would. */
#ifndef VMMEM_SRC_VM_GUEST_RCU_H
#define VMMEM_SRC_VM_GUEST_RCU_H

#include <stdatomic.h>
#include <stdbool.h>
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

/* How many vmmem_guest_enter() sections this thread is inside
 * (guest_memory.c). Non-zero only while the thread holds urcu's read lock
 * taken by the outermost one: it is raised after the lock is taken and
 * lowered before it is released, with signal fences, so that a signal
 * handler on the same thread never sees it non-zero outside the lock. */
extern _Thread_local unsigned guest_section_depth;

/* Whether this thread is inside vmmem_guest_enter(): a call can then run
 * without a section of its own. */
static inline bool guest_in_entered_section(void)
{
    return guest_section_depth != 0;
}

/* Opens the read-side section of one call, unless the thread is inside
 * vmmem_guest_enter() (then it is protected already). Returns whether it
 * took the lock, for guest_call_exit(). */
static inline bool guest_call_enter(void)
{
    if (guest_in_entered_section())
        return false;
    guest_rcu_read_lock();
    return true;
}

static inline void guest_call_exit(bool locked)
{
    if (locked)
        guest_rcu_read_unlock();
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

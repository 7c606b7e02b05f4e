/* SPDX-License-Identifier: MIT */
/*
 * tsbpf's header for BPF programs: section and map-definition macros, the
 * helper declarations and printk. Include it after vmlinux.h, which supplies
 * the kernel's types and enums (BPF_MAP_TYPE_*, BPF_ANY, BPF_F_*, ...).
 */
#ifndef __TSBPF_BPF_HELPERS_H
#define __TSBPF_BPF_HELPERS_H

#include "bpf_helper_defs.h"

/* Place a program, map or variable in the named ELF section; the loader reads program types from it. */
#define SEC(name) __attribute__((section(name), used))

/*
 * BTF-defined maps: each field is encoded in the member's type, so the loader
 * reads the value from BTF without running any code.
 *   __uint: an integer, as the element count of an array type.
 *   __type: a type, as a pointer to it.
 *   __array: an array of pointers, for inner maps and program arrays.
 *   __ulong: a 64-bit integer, as the value of an enumerator.
 */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]
#define __ulong(name, val) enum { ___bpf_concat(__unique_value, __COUNTER__) = val } name

#define ___bpf_concat(a, b) a##b

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#ifndef __noinline
#define __noinline __attribute__((noinline))
#endif
#ifndef __weak
#define __weak __attribute__((weak))
#endif
#define __hidden __attribute__((visibility("hidden")))
/* Externs the loader resolves: kernel symbols by BTF or kallsyms, and kernel config values. */
#define __ksym __attribute__((section(".ksyms")))
#define __kconfig __attribute__((section(".kconfig")))
#define __kptr_untrusted __attribute__((btf_type_tag("kptr_untrusted")))
#define __kptr __attribute__((btf_type_tag("kptr")))
#define __percpu_kptr __attribute__((btf_type_tag("percpu_kptr")))

#ifndef likely
#define likely(x) (__builtin_expect(!!(x), 1))
#endif
#ifndef unlikely
#define unlikely(x) (__builtin_expect(!!(x), 0))
#endif

#ifndef offsetof
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif
#ifndef container_of
#define container_of(ptr, type, member) ((type *)((void *)(ptr) - offsetof(type, member)))
#endif

/* A full compiler barrier: stops clang merging or reordering accesses the verifier must see separately. */
#define barrier() asm volatile("" ::: "memory")
#define barrier_var(var) asm volatile("" : "+r"(var))

/* The `license` section the kernel checks for GPL-only helpers. */
#define LICENSE(text) char _license[] SEC("license") = text

/* Map pinning, as understood by the object loader (libbpf's values). */
enum tsbpf_pin_type {
	LIBBPF_PIN_NONE = 0,
	LIBBPF_PIN_BY_NAME = 1,
};

/*
 * bpf_printk(fmt, args...): up to three arguments go through
 * bpf_trace_printk, more through bpf_trace_vprintk (kernel 5.16+), which
 * takes the arguments as an array of u64.
 */
#define ___bpf_nth(_, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, N, ...) N
#define ___bpf_narg(...) ___bpf_nth(_, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define ___bpf_apply(fn, n) ___bpf_concat(fn, n)

#define ___bpf_fill0(arr, p, x) do {} while (0)
#define ___bpf_fill1(arr, p, x) arr[p] = (unsigned long long)(x)
#define ___bpf_fill2(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill1(arr, p + 1, args)
#define ___bpf_fill3(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill2(arr, p + 1, args)
#define ___bpf_fill4(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill3(arr, p + 1, args)
#define ___bpf_fill5(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill4(arr, p + 1, args)
#define ___bpf_fill6(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill5(arr, p + 1, args)
#define ___bpf_fill7(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill6(arr, p + 1, args)
#define ___bpf_fill8(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill7(arr, p + 1, args)
#define ___bpf_fill9(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill8(arr, p + 1, args)
#define ___bpf_fill10(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill9(arr, p + 1, args)
#define ___bpf_fill11(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill10(arr, p + 1, args)
#define ___bpf_fill12(arr, p, x, args...) arr[p] = (unsigned long long)(x); ___bpf_fill11(arr, p + 1, args)
#define ___bpf_fill(arr, args...) ___bpf_apply(___bpf_fill, ___bpf_narg(args))(arr, 0, args)

#define __bpf_printk(fmt, ...)                                                  \
	({                                                                      \
		static const char ___fmt[] = fmt;                               \
		bpf_trace_printk(___fmt, sizeof(___fmt), ##__VA_ARGS__);        \
	})

#define __bpf_vprintk(fmt, args...)                                             \
	({                                                                      \
		static const char ___fmt[] = fmt;                               \
		unsigned long long ___param[___bpf_narg(args)];                 \
		_Pragma("GCC diagnostic push")                                  \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")          \
		___bpf_fill(___param, args);                                    \
		_Pragma("GCC diagnostic pop")                                   \
		bpf_trace_vprintk(___fmt, sizeof(___fmt), ___param, sizeof(___param)); \
	})

#define ___bpf_pick_printk(...)                                                 \
	___bpf_nth(_, ##__VA_ARGS__, __bpf_vprintk, __bpf_vprintk, __bpf_vprintk,  \
		   __bpf_vprintk, __bpf_vprintk, __bpf_vprintk, __bpf_vprintk,      \
		   __bpf_vprintk, __bpf_vprintk, __bpf_printk, __bpf_printk,        \
		   __bpf_printk, __bpf_printk, __bpf_printk)

#define bpf_printk(fmt, args...) ___bpf_pick_printk(args)(fmt, ##args)

/*
 * Open-coded iterators over a range of numbers (Linux 6.4+), the loop form the
 * verifier proves bounded without unrolling: the iterator lives on the stack,
 * next() yields a pointer to the next number or NULL once the range is done,
 * and destroy() must run on every path (the cleanup attribute sees to it).
 */
struct bpf_iter_num;
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __weak __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __weak __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __weak __ksym;

/*
 * for (i = start; i < end; i++), as an iterator loop. The bounds are checked
 * again on each yielded number so that the verifier knows i lies in
 * [start, end). Naming bpf_iter_num_destroy once outside cleanup() makes
 * clang emit its BTF, which cleanup() alone does not.
 */
#define bpf_for(i, start, end)                                                      \
	for (struct bpf_iter_num ___it __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *___once __attribute__((unused)) =                                         \
		(bpf_iter_num_new(&___it, (start), (end)), (void)bpf_iter_num_destroy, (void *)0); \
	     ({                                                                         \
		int *___n = bpf_iter_num_next(&___it);                                      \
		___n && ((i) = *___n, (i) >= (start) && (i) < (end));                       \
	     });)

/* Runs the body n times. */
#define bpf_repeat(n)                                                               \
	for (struct bpf_iter_num ___it __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *___once __attribute__((unused)) =                                         \
		(bpf_iter_num_new(&___it, 0, (n)), (void)bpf_iter_num_destroy, (void *)0);  \
	     bpf_iter_num_next(&___it);)

#endif /* __TSBPF_BPF_HELPERS_H */

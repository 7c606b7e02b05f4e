/* SPDX-License-Identifier: MIT */
/*
 * Tracing program wrappers: typed arguments for BTF-typed programs
 * (tp_btf, raw_tp, fentry, fexit, fmod_ret, lsm, iter), and for probes
 * (kprobe, kretprobe, uprobe, uretprobe) through struct pt_regs.
 */
#ifndef __TSBPF_BPF_TRACING_H
#define __TSBPF_BPF_TRACING_H

#include "bpf_helpers.h"

#if !defined(__TARGET_ARCH_x86) && !defined(__TARGET_ARCH_arm64)
#error "define __TARGET_ARCH_<arch> (tsbpf build does): x86 and arm64 are supported"
#endif

/* struct pt_regs as the kernel's BTF describes it on each architecture. */
#if defined(__TARGET_ARCH_x86)
#define __PT_PARM1_REG di
#define __PT_PARM2_REG si
#define __PT_PARM3_REG dx
#define __PT_PARM4_REG cx
#define __PT_PARM5_REG r8
#define __PT_PARM6_REG r9
#define __PT_RET_REG sp
#define __PT_FP_REG bp
#define __PT_RC_REG ax
#define __PT_SP_REG sp
#define __PT_IP_REG ip
#elif defined(__TARGET_ARCH_arm64)
#define __PT_PARM1_REG regs[0]
#define __PT_PARM2_REG regs[1]
#define __PT_PARM3_REG regs[2]
#define __PT_PARM4_REG regs[3]
#define __PT_PARM5_REG regs[4]
#define __PT_PARM6_REG regs[5]
#define __PT_RET_REG regs[30]
#define __PT_FP_REG regs[29]
#define __PT_RC_REG regs[0]
#define __PT_SP_REG sp
#define __PT_IP_REG pc
#endif

/*
 * A kprobe's context is the kernel's own struct pt_regs, so its fields are
 * read directly; the access is relocated so it survives layout changes.
 */
#define __PT_REGS_CAST(x) ((const struct pt_regs *)(x))
#define PT_REGS_PARM1(x) (__PT_REGS_CAST(x)->__PT_PARM1_REG)
#define PT_REGS_PARM2(x) (__PT_REGS_CAST(x)->__PT_PARM2_REG)
#define PT_REGS_PARM3(x) (__PT_REGS_CAST(x)->__PT_PARM3_REG)
#define PT_REGS_PARM4(x) (__PT_REGS_CAST(x)->__PT_PARM4_REG)
#define PT_REGS_PARM5(x) (__PT_REGS_CAST(x)->__PT_PARM5_REG)
#define PT_REGS_PARM6(x) (__PT_REGS_CAST(x)->__PT_PARM6_REG)
#define PT_REGS_RET(x) (__PT_REGS_CAST(x)->__PT_RET_REG)
#define PT_REGS_FP(x) (__PT_REGS_CAST(x)->__PT_FP_REG)
#define PT_REGS_RC(x) (__PT_REGS_CAST(x)->__PT_RC_REG)
#define PT_REGS_SP(x) (__PT_REGS_CAST(x)->__PT_SP_REG)
#define PT_REGS_IP(x) (__PT_REGS_CAST(x)->__PT_IP_REG)

/* Syscall wrappers on x86 pass the user's arguments in a second pt_regs; the 4th is in r10, not cx. */
#if defined(__TARGET_ARCH_x86)
#define PT_REGS_PARM4_SYSCALL(x) (__PT_REGS_CAST(x)->r10)
#else
#define PT_REGS_PARM4_SYSCALL(x) PT_REGS_PARM4(x)
#endif

#define ___trace_concat(a, b) a##b
#define ___trace_apply(fn, n) ___trace_concat(fn, n)
#define ___trace_nth(_, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, N, ...) N
#define ___trace_narg(...) ___trace_nth(_, ##__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)

/* BTF-typed programs: ctx is an array of u64, one per argument. */
#define ___bpf_ctx_cast0() ctx
#define ___bpf_ctx_cast1(x) ___bpf_ctx_cast0(), (void *)ctx[0]
#define ___bpf_ctx_cast2(x, args...) ___bpf_ctx_cast1(args), (void *)ctx[1]
#define ___bpf_ctx_cast3(x, args...) ___bpf_ctx_cast2(args), (void *)ctx[2]
#define ___bpf_ctx_cast4(x, args...) ___bpf_ctx_cast3(args), (void *)ctx[3]
#define ___bpf_ctx_cast5(x, args...) ___bpf_ctx_cast4(args), (void *)ctx[4]
#define ___bpf_ctx_cast6(x, args...) ___bpf_ctx_cast5(args), (void *)ctx[5]
#define ___bpf_ctx_cast7(x, args...) ___bpf_ctx_cast6(args), (void *)ctx[6]
#define ___bpf_ctx_cast8(x, args...) ___bpf_ctx_cast7(args), (void *)ctx[7]
#define ___bpf_ctx_cast9(x, args...) ___bpf_ctx_cast8(args), (void *)ctx[8]
#define ___bpf_ctx_cast10(x, args...) ___bpf_ctx_cast9(args), (void *)ctx[9]
#define ___bpf_ctx_cast11(x, args...) ___bpf_ctx_cast10(args), (void *)ctx[10]
#define ___bpf_ctx_cast12(x, args...) ___bpf_ctx_cast11(args), (void *)ctx[11]
#define ___bpf_ctx_cast(args...) ___trace_apply(___bpf_ctx_cast, ___trace_narg(args))(args)

/*
 * BPF_PROG(name, type1 arg1, type2 arg2, ...): defines `name(unsigned long
 * long *ctx)` and a typed body `____name(ctx, arg1, arg2, ...)`. The
 * arguments are passed through `void *` so pointers and integers both convert.
 */
#define BPF_PROG(name, args...)                                                 \
	name(unsigned long long *ctx);                                          \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args); \
	typeof(name(0)) name(unsigned long long *ctx)                           \
	{                                                                       \
		_Pragma("GCC diagnostic push")                                  \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")          \
		return ____##name(___bpf_ctx_cast(args));                       \
		_Pragma("GCC diagnostic pop")                                   \
	}                                                                       \
	static __always_inline typeof(name(0)) ____##name(unsigned long long *ctx, ##args)

/* Probes: arguments come from the registers in pt_regs. */
#define ___bpf_kprobe_args0() ctx
#define ___bpf_kprobe_args1(x) ___bpf_kprobe_args0(), (void *)PT_REGS_PARM1(ctx)
#define ___bpf_kprobe_args2(x, args...) ___bpf_kprobe_args1(args), (void *)PT_REGS_PARM2(ctx)
#define ___bpf_kprobe_args3(x, args...) ___bpf_kprobe_args2(args), (void *)PT_REGS_PARM3(ctx)
#define ___bpf_kprobe_args4(x, args...) ___bpf_kprobe_args3(args), (void *)PT_REGS_PARM4(ctx)
#define ___bpf_kprobe_args5(x, args...) ___bpf_kprobe_args4(args), (void *)PT_REGS_PARM5(ctx)
#define ___bpf_kprobe_args6(x, args...) ___bpf_kprobe_args5(args), (void *)PT_REGS_PARM6(ctx)
#define ___bpf_kprobe_args(args...) ___trace_apply(___bpf_kprobe_args, ___trace_narg(args))(args)

/** BPF_KPROBE(name, type1 arg1, ...): a kprobe with up to six typed arguments. */
#define BPF_KPROBE(name, args...)                                               \
	name(struct pt_regs *ctx);                                              \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args); \
	typeof(name(0)) name(struct pt_regs *ctx)                               \
	{                                                                       \
		_Pragma("GCC diagnostic push")                                  \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")          \
		return ____##name(___bpf_kprobe_args(args));                    \
		_Pragma("GCC diagnostic pop")                                   \
	}                                                                       \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args)

#define ___bpf_kretprobe_args0() ctx
#define ___bpf_kretprobe_args1(x) ___bpf_kretprobe_args0(), (void *)PT_REGS_RC(ctx)
#define ___bpf_kretprobe_args(args...) ___trace_apply(___bpf_kretprobe_args, ___trace_narg(args))(args)

/** BPF_KRETPROBE(name, type ret): a kretprobe with the return value as an optional argument. */
#define BPF_KRETPROBE(name, args...)                                            \
	name(struct pt_regs *ctx);                                              \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args); \
	typeof(name(0)) name(struct pt_regs *ctx)                               \
	{                                                                       \
		_Pragma("GCC diagnostic push")                                  \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")          \
		return ____##name(___bpf_kretprobe_args(args));                 \
		_Pragma("GCC diagnostic pop")                                   \
	}                                                                       \
	static __always_inline typeof(name(0)) ____##name(struct pt_regs *ctx, ##args)

/* User-space probes read the same registers. */
#define BPF_UPROBE(name, args...) BPF_KPROBE(name, ##args)
#define BPF_URETPROBE(name, args...) BPF_KRETPROBE(name, ##args)

#endif /* __TSBPF_BPF_TRACING_H */

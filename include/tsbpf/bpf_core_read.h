/* SPDX-License-Identifier: MIT */
/*
 * CO-RE: reads of kernel structures that the loader relocates against the
 * running kernel's BTF. Each macro expands to a clang builtin that records a
 * relocation in .BTF.ext; the numeric kinds below are the relocation kinds of
 * the BTF.ext format.
 */
#ifndef __TSBPF_BPF_CORE_READ_H
#define __TSBPF_BPF_CORE_READ_H

#include "bpf_helpers.h"

/* Field relocation kinds (__builtin_preserve_field_info's second argument). */
enum bpf_field_info_kind {
	BPF_FIELD_BYTE_OFFSET = 0,
	BPF_FIELD_BYTE_SIZE = 1,
	BPF_FIELD_EXISTS = 2,
	BPF_FIELD_SIGNED = 3,
	BPF_FIELD_LSHIFT_U64 = 4,
	BPF_FIELD_RSHIFT_U64 = 5,
};

/* Type-id relocation kinds (__builtin_btf_type_id). */
enum bpf_type_id_kind {
	BPF_TYPE_ID_LOCAL = 0,
	BPF_TYPE_ID_TARGET = 1,
};

/* Type relocation kinds (__builtin_preserve_type_info). */
enum bpf_type_info_kind {
	BPF_TYPE_EXISTS = 0,
	BPF_TYPE_SIZE = 1,
	BPF_TYPE_MATCHES = 2,
};

/* Enumerator relocation kinds (__builtin_preserve_enum_value). */
enum bpf_enum_value_kind {
	BPF_ENUMVAL_EXISTS = 0,
	BPF_ENUMVAL_VALUE = 1,
};

#define ___core_concat(a, b) a##b
#define ___core_apply(fn, n) ___core_concat(fn, n)
#define ___core_nth(_, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, N, ...) N
#define ___core_narg(...) ___core_nth(_, ##__VA_ARGS__, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)

/* The field access `src->field` recorded as a relocation; `src` must have a BTF-described type. */
#define __core_field(src, field) __builtin_preserve_access_index(&((typeof(src))(src))->field)

#define bpf_core_field_offset(field...) ___core_apply(___core_field_info_, ___core_narg(field))(BPF_FIELD_BYTE_OFFSET, field)
#define bpf_core_field_size(field...) ___core_apply(___core_field_info_, ___core_narg(field))(BPF_FIELD_BYTE_SIZE, field)
#define bpf_core_field_exists(field...) ___core_apply(___core_field_info_, ___core_narg(field))(BPF_FIELD_EXISTS, field)
/* One argument: an expression `s->a.b`; two: a type and a field path, `struct s, a.b`. */
#define ___core_field_info_1(kind, expr) __builtin_preserve_field_info(expr, kind)
#define ___core_field_info_2(kind, type, field) __builtin_preserve_field_info((((typeof(type) *)0)->field), kind)

#define bpf_core_type_id_local(type) __builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_LOCAL)
#define bpf_core_type_id_kernel(type) __builtin_btf_type_id(*(typeof(type) *)0, BPF_TYPE_ID_TARGET)
#define bpf_core_type_exists(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_EXISTS)
#define bpf_core_type_size(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_SIZE)
#define bpf_core_type_matches(type) __builtin_preserve_type_info(*(typeof(type) *)0, BPF_TYPE_MATCHES)

#define bpf_core_enum_value_exists(enum_type, enumerator) \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enumerator, BPF_ENUMVAL_EXISTS)
#define bpf_core_enum_value(enum_type, enumerator) \
	__builtin_preserve_enum_value(*(typeof(enum_type) *)enumerator, BPF_ENUMVAL_VALUE)

/*
 * Bitfields: read the bytes that hold the field (size and offset relocated),
 * then shift left and right by relocated amounts, arithmetic when signed.
 */
#define BPF_CORE_READ_BITFIELD_PROBED(s, field)                                          \
	({                                                                               \
		unsigned long long ___val = 0;                                           \
		bpf_probe_read_kernel((void *)&___val, __core_field_size(s, field),      \
				      (const void *)s + __core_field_offset(s, field));  \
		___core_bitfield_shift(s, field, ___val);                               \
	})

#define BPF_CORE_READ_BITFIELD(s, field)                                                 \
	({                                                                               \
		const void *___p = (const void *)s + __core_field_offset(s, field);     \
		unsigned long long ___val;                                               \
		switch (__core_field_size(s, field)) {                                  \
		case 1: ___val = *(const unsigned char *)___p; break;                    \
		case 2: ___val = *(const unsigned short *)___p; break;                   \
		case 4: ___val = *(const unsigned int *)___p; break;                     \
		case 8: ___val = *(const unsigned long long *)___p; break;               \
		default: ___val = 0; break;                                              \
		}                                                                        \
		___core_bitfield_shift(s, field, ___val);                               \
	})

#define __core_field_offset(s, field) __builtin_preserve_field_info(s->field, BPF_FIELD_BYTE_OFFSET)
#define __core_field_size(s, field) __builtin_preserve_field_info(s->field, BPF_FIELD_BYTE_SIZE)
#define ___core_bitfield_shift(s, field, val)                                            \
	({                                                                               \
		unsigned long long ___v = (val) << __builtin_preserve_field_info(s->field, BPF_FIELD_LSHIFT_U64); \
		__builtin_preserve_field_info(s->field, BPF_FIELD_SIGNED)                \
			? (unsigned long long)((long long)___v >>                        \
				__builtin_preserve_field_info(s->field, BPF_FIELD_RSHIFT_U64)) \
			: ___v >> __builtin_preserve_field_info(s->field, BPF_FIELD_RSHIFT_U64); \
	})

/* Read `sizeof(*dst)` bytes at a relocated field address, with the given probe-read helper. */
#define bpf_core_read(dst, sz, src) bpf_probe_read_kernel(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_user(dst, sz, src) bpf_probe_read_user(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_str(dst, sz, src) bpf_probe_read_kernel_str(dst, sz, (const void *)__builtin_preserve_access_index(src))
#define bpf_core_read_user_str(dst, sz, src) bpf_probe_read_user_str(dst, sz, (const void *)__builtin_preserve_access_index(src))

/*
 * Chained reads: BPF_CORE_READ(s, a, b, c) is s->a->b->c, each step read
 * with a probe-read of the pointer, each field offset relocated. The chain
 * walks a temporary pointer of the right type at every level.
 */
#define ___core_last(...) ___core_apply(___core_last_, ___core_narg(__VA_ARGS__))(__VA_ARGS__)
#define ___core_last_1(a) a
#define ___core_last_2(a, b) b
#define ___core_last_3(a, b, c) c
#define ___core_last_4(a, b, c, d) d
#define ___core_last_5(a, b, c, d, e) e
#define ___core_last_6(a, b, c, d, e, f) f
#define ___core_last_7(a, b, c, d, e, f, g) g
#define ___core_last_8(a, b, c, d, e, f, g, h) h
#define ___core_last_9(a, b, c, d, e, f, g, h, i) i
#define ___core_last_10(a, b, c, d, e, f, g, h, i, j) j

/* Arrow chain: ___core_arrows(a, b, c) is a->b->c (types only, inside typeof). */
#define ___core_arrows(...) ___core_apply(___core_arrows_, ___core_narg(__VA_ARGS__))(__VA_ARGS__)
#define ___core_arrows_1(a) a
#define ___core_arrows_2(a, b) (a)->b
#define ___core_arrows_3(a, b, c) (a)->b->c
#define ___core_arrows_4(a, b, c, d) (a)->b->c->d
#define ___core_arrows_5(a, b, c, d, e) (a)->b->c->d->e
#define ___core_arrows_6(a, b, c, d, e, f) (a)->b->c->d->e->f
#define ___core_arrows_7(a, b, c, d, e, f, g) (a)->b->c->d->e->f->g
#define ___core_arrows_8(a, b, c, d, e, f, g, h) (a)->b->c->d->e->f->g->h
#define ___core_arrows_9(a, b, c, d, e, f, g, h, i) (a)->b->c->d->e->f->g->h->i
#define ___core_arrows_10(a, b, c, d, e, f, g, h, i, j) (a)->b->c->d->e->f->g->h->i->j

/* Steps of the chain: read each intermediate pointer into ___t, then the final field into dst. */
#define ___core_rd_1(fn, dst, src, a) fn((void *)dst, sizeof(*(dst)), &((typeof(src))(src))->a);
#define ___core_rd_2(fn, dst, src, a, b) { typeof((src)->a) ___t; fn((void *)&___t, sizeof(___t), &((typeof(src))(src))->a); ___core_rd_1(fn, dst, ___t, b); }
#define ___core_rd_3(fn, dst, src, a, ...) { typeof((src)->a) ___t3; fn((void *)&___t3, sizeof(___t3), &((typeof(src))(src))->a); ___core_rd_2(fn, dst, ___t3, __VA_ARGS__); }
#define ___core_rd_4(fn, dst, src, a, ...) { typeof((src)->a) ___t4; fn((void *)&___t4, sizeof(___t4), &((typeof(src))(src))->a); ___core_rd_3(fn, dst, ___t4, __VA_ARGS__); }
#define ___core_rd_5(fn, dst, src, a, ...) { typeof((src)->a) ___t5; fn((void *)&___t5, sizeof(___t5), &((typeof(src))(src))->a); ___core_rd_4(fn, dst, ___t5, __VA_ARGS__); }
#define ___core_rd_6(fn, dst, src, a, ...) { typeof((src)->a) ___t6; fn((void *)&___t6, sizeof(___t6), &((typeof(src))(src))->a); ___core_rd_5(fn, dst, ___t6, __VA_ARGS__); }
#define ___core_rd_7(fn, dst, src, a, ...) { typeof((src)->a) ___t7; fn((void *)&___t7, sizeof(___t7), &((typeof(src))(src))->a); ___core_rd_6(fn, dst, ___t7, __VA_ARGS__); }
#define ___core_rd_8(fn, dst, src, a, ...) { typeof((src)->a) ___t8; fn((void *)&___t8, sizeof(___t8), &((typeof(src))(src))->a); ___core_rd_7(fn, dst, ___t8, __VA_ARGS__); }
#define ___core_rd_9(fn, dst, src, a, ...) { typeof((src)->a) ___t9; fn((void *)&___t9, sizeof(___t9), &((typeof(src))(src))->a); ___core_rd_8(fn, dst, ___t9, __VA_ARGS__); }

/* Each probe-read goes through this so the field address carries a CO-RE relocation. */
#define ___core_kernel(dst, sz, src) bpf_core_read(dst, sz, src)
#define ___core_user(dst, sz, src) bpf_core_read_user(dst, sz, src)
#define ___core_kernel_str(dst, sz, src) bpf_core_read_str(dst, sz, src)
#define ___core_user_str(dst, sz, src) bpf_core_read_user_str(dst, sz, src)

/* Last step of a string read uses the str helper; earlier pointer steps use the plain one. */
#define ___core_read_into(fn, dst, src, ...) ({ ___core_apply(___core_rd_, ___core_narg(__VA_ARGS__))(fn, dst, src, __VA_ARGS__) 0; })

/** BPF_CORE_READ_INTO(&dst, src, a, b, ...): dst = src->a->b... (kernel memory). */
#define BPF_CORE_READ_INTO(dst, src, a, ...) ___core_read_into(___core_kernel, dst, src, a, ##__VA_ARGS__)
/** The same, from user memory. */
#define BPF_CORE_READ_USER_INTO(dst, src, a, ...) ___core_read_into(___core_user, dst, src, a, ##__VA_ARGS__)

/** BPF_CORE_READ_STR_INTO(&buf, src, a, b): a NUL-terminated string at src->a->b (last field is a char array or pointer read as string). */
#define BPF_CORE_READ_STR_INTO(dst, src, a, ...) \
	({ ___core_apply(___core_rds_, ___core_narg(a, ##__VA_ARGS__))(dst, src, a, ##__VA_ARGS__) })
#define ___core_rds_1(dst, src, a) ___core_kernel_str((void *)dst, sizeof(*(dst)), &((typeof(src))(src))->a);
#define ___core_rds_2(dst, src, a, b) typeof((src)->a) ___ts; ___core_kernel((void *)&___ts, sizeof(___ts), &((typeof(src))(src))->a); ___core_rds_1(dst, ___ts, b)
#define ___core_rds_3(dst, src, a, b, c) typeof((src)->a) ___ts3; ___core_kernel((void *)&___ts3, sizeof(___ts3), &((typeof(src))(src))->a); ___core_rds_2(dst, ___ts3, b, c)
#define ___core_rds_4(dst, src, a, b, c, d) typeof((src)->a) ___ts4; ___core_kernel((void *)&___ts4, sizeof(___ts4), &((typeof(src))(src))->a); ___core_rds_3(dst, ___ts4, b, c, d)

/** BPF_CORE_READ(src, a, b, ...): the value of src->a->b..., up to nine levels, read from kernel memory. */
#define BPF_CORE_READ(src, a, ...)                                                       \
	({                                                                               \
		typeof(___core_arrows(src, a, ##__VA_ARGS__)) ___val;                    \
		__builtin_memset(&___val, 0, sizeof(___val));                            \
		BPF_CORE_READ_INTO(&___val, src, a, ##__VA_ARGS__);                      \
		___val;                                                                  \
	})

/** BPF_CORE_READ_USER(src, a, b, ...): the same, from user memory. */
#define BPF_CORE_READ_USER(src, a, ...)                                                  \
	({                                                                               \
		typeof(___core_arrows(src, a, ##__VA_ARGS__)) ___val;                    \
		__builtin_memset(&___val, 0, sizeof(___val));                            \
		BPF_CORE_READ_USER_INTO(&___val, src, a, ##__VA_ARGS__);                 \
		___val;                                                                  \
	})

#endif /* __TSBPF_BPF_CORE_READ_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tsbpf's byte-order helpers for BPF C: constant-folded when the argument is a
 * constant, a bswap instruction otherwise. Written for tsbpf; the names are
 * libbpf's, so programs written for libbpf compile unchanged. */
#ifndef __TSBPF_BPF_ENDIAN_H__
#define __TSBPF_BPF_ENDIAN_H__

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define bpf_htons(x) ((__be16)__builtin_bswap16((__u16)(x)))
#define bpf_ntohs(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define bpf_htonl(x) ((__be32)__builtin_bswap32((__u32)(x)))
#define bpf_ntohl(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define bpf_cpu_to_be64(x) ((__be64)__builtin_bswap64((__u64)(x)))
#define bpf_be64_to_cpu(x) ((__u64)__builtin_bswap64((__u64)(x)))
#else
#define bpf_htons(x) ((__be16)(x))
#define bpf_ntohs(x) ((__u16)(x))
#define bpf_htonl(x) ((__be32)(x))
#define bpf_ntohl(x) ((__u32)(x))
#define bpf_cpu_to_be64(x) ((__be64)(x))
#define bpf_be64_to_cpu(x) ((__u64)(x))
#endif

#endif

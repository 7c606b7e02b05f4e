/**
 * Helpers Linux 6.18.44-fc-v657 lets BTF-typed programs call, by id: tracing
 * (asked as tp_btf), iterators (iter/task) and tcp_congestion_ops struct_ops.
 * Recorded by testdata/record-btf-helper-availability.ts; a helper not listed
 * is refused, which is sound.
 */
export const BTF_HELPER_AVAILABILITY: {
  readonly kernel: string; readonly tracing: readonly number[]; readonly iter: readonly number[]; readonly tcp_ca: readonly number[];
  /** Kfuncs of kfunc.ts's PLAIN_KFUNCS each may call. */
  readonly kfuncs: { readonly tracing: readonly string[]; readonly iter: readonly string[]; readonly tcp_ca: readonly string[] };
} = {
  kernel: "6.18.44-fc-v657",
  tracing: [1,2,3,4,5,6,7,8,12,14,15,16,17,22,25,27,35,42,45,46,55,67,80,87,88,89,93,94,107,108,109,111,112,113,114,115,118,120,123,125,130,131,132,133,134,141,158,177,182,195],
  iter: [1,2,3,4,5,6,7,8,12,14,15,16,17,22,25,27,35,42,45,46,55,67,80,87,88,89,93,94,107,108,109,111,112,113,114,115,118,120,123,125,127,130,131,132,133,134,141,158,177,182,195],
  tcp_ca: [1,2,3,5,6,7,8,12,14,15,16,17,22,35,42,49,55,57,80,87,88,89,93,94,107,108,109,112,113,114,115,116,118,120,123,125,130,131,132,133,134,141,158,160,177,182,195],
  kfuncs: {"tracing":[],"iter":[],"tcp_ca":["tcp_reno_ssthresh","tcp_reno_cong_avoid","tcp_reno_undo_cwnd","tcp_slow_start","tcp_cong_avoid_ai"]},
};

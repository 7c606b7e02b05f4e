/**
 * kernel — the Linux target: programs and maps in the kernel through bpf(2).
 */
export { KernelProgram, VerifierError, NotPermittedError } from './program.js';
export type { LoadOptions, TestRunOptions, TestRunResult } from './program.js';
export { KernelMap, MapError, possibleCpus } from './map.js';
export type { MapInfo, MapSpec } from './map.js';
export { BPFFS, ensureBpffs } from './pin.js';
export { bpfPermission, supportsHelper, supportsMapType, supportsProgramType } from './probe.js';
export type { Permission } from './probe.js';
export { SyscallError } from './syscall.js';
export { AttachType, MapType, ProgType, UpdateFlags } from './constants.js';
export { KernelBtf, BtfLoadError } from './btf.js';
export { loadCollection, KernelCollection, kernelBtf } from './collection.js';
export type { LoadCollectionOptions } from './collection.js';
export { readKernelConfig, kernelVersionCode, kallsymsAddress } from './kconfig.js';
export { attachTracepoint, attachRawTracepoint, attachUprobe, attachXdp, attachTcx, attachCgroupSkb, attachPerfEvent, onlineCpus, interfaceIndex, attachKprobe, attachBySection, symbolFileOffset, KernelLink, AttachError, tracefs } from './link.js';
export { KernelRingBuffer } from './ringbuf.js';
export { tracePipeLines } from './trace-pipe.js';
export { KernelPerfBuffer } from './perf-buffer.js';

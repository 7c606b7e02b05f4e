/** toolchain: BPF C to a BPF ELF object with the system clang, tsbpf's headers and a vmlinux.h from kernel BTF. */
export { build, targetArch, BPF_CPUS, INCLUDE_DIR } from './build.js';
export type { BuildOptions, BuildResult, BpfCpu } from './build.js';
export { findClang, CLANG_CANDIDATES } from './clang.js';
export type { ClangLocation } from './clang.js';
export { vmlinuxHeader, defaultProducer, VMLINUX_PRODUCERS, KERNEL_BTF_PATH } from './vmlinux.js';
export type { VmlinuxHeader, VmlinuxOptions, VmlinuxProducer } from './vmlinux.js';
export { ToolchainError } from './errors.js';
export type { ToolchainErrorCode } from './errors.js';
export { renderHelperHeader } from './helper-header.js';
export { HELPER_PROTOTYPES } from './helper-prototypes.js';
export type { HelperPrototype } from './helper-prototypes.js';

/**
 * Static verification in the kernel's style: the scalar domain (tnums,
 * bounds, ALU and branch transfer functions, log format) and the engine that
 * explores a program's paths as Linux 6.18's `do_check` does.
 */
export * from './scalar/index.js';
export { verify, DEFAULT_HELPERS, COMPLEXITY_LIMIT, MAX_STACK, MAX_CALL_FRAMES, type VerifyOptions, type VerifyResult, type HelperInfo, type HelperSource, type MapReference } from './engine.js';
export { KERNEL_HELPERS, type KernelHelperInfo } from './helpers.js';
export { type MapInfo } from './state.js';
export { RDONLY_PROG, WRONLY_PROG, checkMapFuncCompatibility } from './maps.js';
export { VerifierError, type VerifierErrorCode, type PathStep } from './errors.js';
export { type ProgramType, ctxAccess, defaultAttachType, returnRange, PROGRAM_TYPE_ID, PROGRAM_TYPES } from './context.js';
export { formatKernelInsn } from './disasm.js';
export { MAX_PROGRAM_INSNS } from './cfg.js';
export { verifyObjectProgram, mapInfo, objectMaps, isModelledType, attachBtfOf, objectKfuncs, functionOptions, kernelBtf } from './object.js';
export { kfuncIds } from './kfunc.js';
export { globalFunctions, type GlobalFunction, type GlobalArg } from './global-funcs.js';
export { type BtfProgramType, BTF_PROGRAM_TYPES, isBtfProgramType } from './context.js';
export { type AttachBtf, type AttachKind, resolveAttachBtf } from './tracing-context.js';

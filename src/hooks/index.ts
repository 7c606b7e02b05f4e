/**
 * hooks — events of a Node.js process that programs attach to: file opens
 * (the sys_enter_openat tracepoint), function probes, application
 * tracepoints and diagnostics_channel channels.
 */
export { attachOpenat, onFileOpen, SYS_ENTER, type HookLink } from './fs-open.js';
export { probeFunction, Tracepoint, attachChannel, type FunctionProbeOptions } from './probes.js';
export { Firing, type HookStats } from './fire.js';
export { attachBySection } from './attach.js';
export { readPcap, writePcap, runXdpOnPcap, filterDatagrams, attachTimer, udpFrame, XdpAction, PcapError } from './packets.js';
export type { PcapFrame, XdpResult, XdpVerdict } from './packets.js';

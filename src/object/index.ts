/**
 * object — an ObjectSpec from an ELF object as clang emits it: programs by
 * section, subprograms linked in, maps, global data, externs, BTF and CO-RE.
 */
export * from './program-types.js';
export * from './spec.js';
export * from './errors.js';
export { loadObject, type LoadObjectOptions } from './load.js';
export { readBtfMapDefinition, readLegacyMapDefinition, mapTypeName } from './map-definitions.js';
export { applyCoreRelocations, resolveCoreRelocation, essentialName, CORE_POISON_HELPER } from './core.js';
export type { CoreResult } from './core.js';
export { summarizeObject, formatSummary, disassembleObject } from './report.js';
export type { ObjectSummary, ListingOptions } from './report.js';

/**
 * The helpers the conformance suite expects a host to provide: only id 5,
 * ubpf's "unwind" (returns r1; if r1 is 0 the program stops at once with r0 = 0).
 */
import { type HelperDefinition, HelperTable, ProgramExit } from '../helpers/index.js';

/** Helper id of the suite's unwind helper. */
export const UNWIND_HELPER_ID = 5;

/** ubpf's unwind helper: returns r1, and ends the program with r0 = 0 when r1 is 0. */
export const unwindHelper: HelperDefinition = {
  id: UNWIND_HELPER_ID,
  name: 'unwind',
  proto: { args: ['anything'], ret: 'integer' },
  impl: (_env, r1) => {
    if (r1 === 0n) throw new ProgramExit(0n);
    return r1;
  },
};

/** A fresh helper table holding the suite's helpers. */
export function conformanceHelpers(): HelperTable {
  return new HelperTable([unwindHelper]);
}

/**
 * The verifier's scalar domain: tristate numbers and signed/unsigned 32/64-bit
 * bounds, with the ALU and branch transfer functions of Linux 6.18's verifier.
 */
export {
  type Tnum, TNUM_UNKNOWN, U32_MAX, U64_MAX, tnumConst, tnumRange, tnumAdd, tnumSub, tnumMul, tnumAnd,
  tnumOr, tnumXor, tnumLshift, tnumRshift, tnumArshift, tnumNeg, tnumIntersect, tnumUnion, tnumOverlap, tnumStep,
  tnumCast, tnumSubreg, tnumClearSubreg, tnumWithSubreg, tnumIn, tnumContains, tnumEqualsConst,
  tnumIsConst, tnumIsUnknown, tnumIsAligned, tnumByteSwap, formatTnum, tnumToBinary,
} from './tnum.js';
export {
  type Scalar, S32_MAX, S32_MIN, S64_MAX, S64_MIN, unknownScalar, constScalar, rangeScalar, makeScalar,
  isConst, isConst32, boundsViolation, zeroExtend32, zeroExtendScalar, signExtendScalar, scalarContains,
  scalarWithin, scalarEquals,
} from './scalar.js';
export { aluScalar, endianScalar, immScalar, isTrackedAluOp, concreteAlu, concreteEndian } from './alu.js';
export { type BranchOutcome, type BranchEdge, isBranchTaken, refineBranch, concreteCondition } from './branch.js';
export { formatScalar, formatScalarRanges } from './format.js';
export { ScalarOperationError } from './errors.js';

/**
 * Prints programs as JSON (name, program type, hex bytes) for
 * scripts/verifier-kernel-verdicts.py: the corpus, or with `random` the
 * seeded random programs (`random`, `random-calls`).
 */
import { encode } from '../../isa/index.js';
import { CORPUS } from './corpus.js';
import { RANDOM_CALL_COUNT, RANDOM_COUNT, randomCallProgram, randomProgram } from './random.js';

const programs = process.argv[2] === 'random'
  ? Array.from({ length: RANDOM_COUNT }, (_, i) => ({ name: `random ${i + 1}`, programType: 'socket_filter', insns: randomProgram(i + 1) }))
  : process.argv[2] === 'random-calls'
    ? Array.from({ length: RANDOM_CALL_COUNT }, (_, i) => ({ name: `calls ${i + 1}`, ...randomCallProgram(i + 1) }))
    : CORPUS;
process.stdout.write(JSON.stringify(programs.map((c) => ({
  name: c.name, programType: c.programType, hex: Buffer.from(encode(c.insns)).toString('hex'),
}))));

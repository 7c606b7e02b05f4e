/**
 * Running a program when an event fires: its context written into a region
 * reserved for the hook, then one run on the runtime's engine. A hook keeps
 * its context region for its lifetime, so a hit costs no allocation.
 */
import type { Region } from '../memory/index.js';
import type { RuntimeProgram } from '../runtime/index.js';

/** How often a hook fired, and how its programs fared. */
export interface HookStats {
  hits: number;
  errors: number;
  lastError?: Error;
}

/** A context region bound to one program. */
export class Firing {
  readonly region: Region;
  readonly stats: HookStats = { hits: 0, errors: 0 };
  readonly #run: () => void;

  constructor(readonly program: RuntimeProgram, contextSize: number) {
    const space = program.runtime.space;
    this.region = space.allocate(Math.max(8, contextSize), { kind: 'ctx', name: `${program.name} context`, writable: false });
    this.#run = program.runtime.prepareRun(program, [0n, BigInt(this.region.start)], [this.region]);
  }

  /**
   * Writes the context (through `fill`, given a DataView of the whole memory
   * and the region's address) and runs the program. A failing program is
   * counted, not thrown: an observer must not break what it observes.
   */
  fire(fill: (view: DataView, at: number) => void): void {
    const space = this.program.runtime.space;
    fill(space.view, this.region.start);
    this.run();
  }

  /** Runs the program on the context as it is (the caller wrote it in place). */
  run(): void {
    this.stats.hits++;
    try {
      this.#run();
    } catch (error) {
      this.stats.errors++;
      this.stats.lastError = error as Error;
    }
  }

  release(): void {
    this.program.runtime.space.release(this.region);
  }
}

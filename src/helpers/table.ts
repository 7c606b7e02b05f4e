/**
 * The helper table: one entry per helper function, with its id, its name, its
 * prototype (read by the verifier) and its implementation (called by the VM).
 *
 * Argument and return kinds follow the kernel's `bpf_func_proto` (ARG_* and
 * RET_*), so a prototype here reads like the kernel's.
 */
import type { AddressSpace } from '../memory/index.js';

/** What a helper argument must be (the kernel's `enum bpf_arg_type`). */
export type ArgKind =
  | 'anything'
  | 'const_map_ptr'
  | 'map_key'
  | 'map_value'
  | 'uninit_map_value'
  | 'mem'
  | 'mem_or_null'
  | 'uninit_mem'
  | 'const_size'
  | 'const_size_or_zero'
  | 'const_alloc_size_or_zero'
  | 'ctx'
  | 'ctx_or_null'
  | 'stack'
  | 'stack_or_null'
  | 'func'
  | 'alloc_mem'
  | 'const_str'
  | 'spin_lock'
  | 'timer'
  | 'long'
  | 'int'
  | 'btf_id'
  /** ARG_PTR_TO_BTF_ID | OBJ_RELEASE: an acquired object, given back (bpf_sk_release). */
  | 'release_btf_id'
  /** ARG_PTR_TO_SOCK_COMMON: a non-NULL socket pointer of any of the socket kinds. */
  | 'sock_common'
  | 'percpu_btf_id'
  | 'dynptr';

/** What a helper returns (the kernel's `enum bpf_return_type`). */
export type ReturnKind =
  | 'integer'
  | 'void'
  | 'map_value_or_null'
  /** RET_PTR_TO_MAP_VALUE: never NULL (bpf_get_local_storage). */
  | 'map_value'
  | 'mem_or_null'
  | 'alloc_mem_or_null'
  | 'btf_id_or_null'
  | 'btf_id'
  | 'mem_or_btf_id'
  /** RET_PTR_TO_SOCKET_OR_NULL, RET_PTR_TO_SOCK_COMMON_OR_NULL, RET_PTR_TO_TCP_SOCK_OR_NULL. */
  | 'sock_or_null'
  | 'sock_common_or_null'
  | 'tcp_sock_or_null';

export interface HelperPrototype {
  readonly args: readonly ArgKind[];
  readonly ret: ReturnKind;
  /** Only programs with a GPL-compatible license may call it. */
  readonly gplOnly?: boolean;
  /** Program types allowed to call it; absent means every type. */
  readonly programTypes?: readonly string[];
  /** Packet-changing helpers invalidate packet pointers in the verifier. */
  readonly changesPacket?: boolean;
}

/**
 * What an implementation can reach: the address space and whatever the host
 * adds (maps, the trace pipe, the current CPU…). The VM passes the object it
 * was given; hosts extend the interface for their own helpers.
 */
export interface HelperEnv {
  readonly space: AddressSpace;
  /** The worker ("CPU") running the program. */
  readonly cpu: number;
}

/**
 * An implementation: five argument registers in, r0 out, all as unsigned
 * 64-bit BigInts (the same representation WebAssembly i64 imports use).
 */
export type HelperImpl<Env extends HelperEnv = HelperEnv> =
  (env: Env, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

export interface HelperDefinition<Env extends HelperEnv = HelperEnv> {
  readonly id: number;
  /** Without the `bpf_` prefix, as in the kernel's `FN(map_lookup_elem)`. */
  readonly name: string;
  readonly proto: HelperPrototype;
  readonly impl: HelperImpl<Env>;
  /**
   * The same helper for engines that pass its first `arity` arguments as
   * 32-bit numbers (the JIT; pointers above 4 GiB arrive as 0xffffffff, which
   * no region holds): no BigInts on the hot path. `result` says how the
   * number widens back to 64 bits.
   */
  readonly fast?: FastHelper<Env>;
}

export interface FastHelper<Env extends HelperEnv = HelperEnv> {
  readonly arity: number;
  readonly result: 'address' | 'errno';
  readonly impl: (env: Env, a: number, b: number, c: number, d: number) => number;
}

/**
 * Thrown by a helper to end the program at once with a given r0 (the
 * conformance suite's "unwind" helper, and bpf_tail_call's success path).
 */
export class ProgramExit {
  constructor(readonly r0: bigint) {}
}

/** Thrown by a helper called with arguments it cannot accept (only reachable without the verifier). */
export class HelperError extends Error {
  override readonly name = 'HelperError';
  readonly code = 'HELPER_MISUSE';
  constructor(readonly helper: string, message: string) {
    super(`${helper}: ${message}`);
  }
}

/** Helpers by id and by name; hosts register their own. */
export class HelperTable<Env extends HelperEnv = HelperEnv> {
  #byId = new Map<number, HelperDefinition<Env>>();
  #byName = new Map<string, HelperDefinition<Env>>();

  constructor(definitions: Iterable<HelperDefinition<Env>> = []) {
    for (const d of definitions) this.register(d);
  }

  /** Adds or replaces a helper. */
  register(definition: HelperDefinition<Env>): this {
    const old = this.#byId.get(definition.id);
    if (old) this.#byName.delete(old.name);
    this.#byId.set(definition.id, definition);
    this.#byName.set(definition.name, definition);
    return this;
  }

  get(id: number): HelperDefinition<Env> | undefined {
    return this.#byId.get(id);
  }

  byName(name: string): HelperDefinition<Env> | undefined {
    return this.#byName.get(name.startsWith('bpf_') ? name.slice(4) : name);
  }

  has(id: number): boolean {
    return this.#byId.has(id);
  }

  [Symbol.iterator](): IterableIterator<HelperDefinition<Env>> {
    return this.#byId.values();
  }

  /** A copy that can be extended without touching this one. */
  clone(): HelperTable<Env> {
    return new HelperTable(this.#byId.values());
  }
}

/**
 * Errors of the BTF reader: malformed type or extension data, with a stable
 * code and where it was found.
 */

/** Stable codes for the ways BTF data can be malformed. */
export type BtfErrorCode =
  | 'TRUNCATED'
  | 'BAD_MAGIC'
  | 'BAD_VERSION'
  | 'BAD_HEADER'
  | 'SECTION_OUT_OF_RANGE'
  | 'BAD_STRING'
  | 'BAD_KIND'
  | 'BAD_TYPE_ID'
  | 'BAD_RECORD_SIZE'
  | 'BAD_ACCESS_STRING'
  | 'TYPE_LOOP'
  | 'NO_SIZE'
  | 'TOO_LARGE'
  | 'NOT_FOUND';

/** Where in the data a fault was found; any part may be unknown. */
export interface BtfLocation {
  /** Byte offset in the BTF (or .BTF.ext) blob. */
  readonly offset?: number;
  /** The type being read, when the fault is inside a type. */
  readonly typeId?: number;
}

/** BTF data that cannot be read, or a question about a type that has no answer. */
export class BtfError extends Error {
  override readonly name = 'BtfError';
  constructor(
    readonly code: BtfErrorCode,
    readonly reason: string,
    readonly location: BtfLocation = {},
  ) {
    const where = [
      location.typeId !== undefined ? `type ${location.typeId}` : '',
      location.offset !== undefined ? `offset 0x${location.offset.toString(16)}` : '',
    ].filter(Boolean);
    super(`${where.length ? `${where.join(', ')}: ` : ''}${reason}`);
  }
}

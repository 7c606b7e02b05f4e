import { type Command, UsageError } from './command.js';

// Placeholder until the disasm command lands; replaced by its real module.
export const disasmCommand: Command = async () => {
  throw new UsageError('not built yet');
};

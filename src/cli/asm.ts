import { type Command, UsageError } from './command.js';

// Placeholder until the asm command lands; replaced by its real module.
export const asmCommand: Command = async () => {
  throw new UsageError('not built yet');
};

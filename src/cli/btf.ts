import { type Command, UsageError } from './command.js';

// Placeholder until the btf command lands; replaced by its real module.
export const btfCommand: Command = async () => {
  throw new UsageError('not built yet');
};

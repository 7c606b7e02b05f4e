import { type Command, UsageError } from './command.js';

// Placeholder until the jit command lands; replaced by its real module.
export const jitCommand: Command = async () => {
  throw new UsageError('not built yet');
};

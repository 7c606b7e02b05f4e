import { type Command, UsageError } from './command.js';

// Placeholder until the run command lands; replaced by its real module.
export const runCommand: Command = async () => {
  throw new UsageError('not built yet');
};

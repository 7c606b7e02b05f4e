import { type Command, UsageError } from './command.js';

// Placeholder until the inspect command lands; replaced by its real module.
export const inspectCommand: Command = async () => {
  throw new UsageError('not built yet');
};

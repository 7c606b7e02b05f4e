import { type Command, UsageError } from './command.js';

// Placeholder until the build command lands; replaced by its real module.
export const buildCommand: Command = async () => {
  throw new UsageError('not built yet');
};

import { type Command, UsageError } from './command.js';

// Placeholder until the kernel command lands; replaced by its real module.
export const kernelCommand: Command = async () => {
  throw new UsageError('not built yet');
};

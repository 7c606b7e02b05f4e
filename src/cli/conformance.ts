import { type Command, UsageError } from './command.js';

// Placeholder until the conformance command lands; replaced by its real module.
export const conformanceCommand: Command = async () => {
  throw new UsageError('not built yet');
};

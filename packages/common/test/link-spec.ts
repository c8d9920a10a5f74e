import type { LinkSpec } from '../src/index.js';

/** A link with a 40 ms one-way delay and nothing else, unless `fields` say otherwise. */
export const link = (fields: Partial<LinkSpec>): LinkSpec => ({
  delayMs: 40,
  jitterMs: 0,
  bytesPerSecond: null,
  loss: 0,
  ...fields,
});

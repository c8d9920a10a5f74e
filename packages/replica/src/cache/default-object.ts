import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '@cdn-lab/common';
import { DEFAULT_OBJECT_RETRY_DELAYS_MS } from '../options.js';
import { RequestError } from '../request/request-error.js';
import type { ObjectStore } from './object-store.js';
import type { ObjectTarget } from './object-path.js';

/** Fetches the default object into the cache at start, retrying briefly (the origin may be starting too). */
export async function loadDefaultObject(store: ObjectStore, target: ObjectTarget): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const lease = await store.open(target);
      try {
        await lease.body.completed();
      } finally {
        lease.cursor.close();
      }
      return;
    } catch (error) {
      const delay = DEFAULT_OBJECT_RETRY_DELAYS_MS[attempt];
      const notFound = error instanceof RequestError && error.code === 'not_found';
      if (delay === undefined || notFound) {
        throw new UserError(`cannot fetch the default object ${target.url}: ${causeOf(error)}`);
      }
      // The origin may be starting too: its error answer must not be repeated from memory.
      store.forgetRefusal(target);
      await sleep(delay);
    }
  }
}

function causeOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // RequestErrors name the path first ("cannot fetch /x: why"); the URL is already said.
  return message.replace(/^cannot fetch [^:]*: /, '');
}

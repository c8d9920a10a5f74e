import { KEEP_ALIVE_TIMEOUT_MS, contentTypeFor } from '@cdn-lab/common';
import { ageSeconds } from '../../cache/object-age.js';
import type { ObjectBody } from '../../cache/object-body.js';
import type { ObjectTarget } from '../../cache/object-path.js';
import { objectHeaders } from '../object-headers.js';
import { HttpDate } from './http-date.js';

/** The fast path's answers go no larger: a bigger body is paced by the general path's pump. */
export const FAST_ANSWER_MAX_BYTES = 1024 * 1024;
/**
 * Up to this size the head and the body are joined into one buffer (a copy, made once a
 * second while the object is asked for), so the answer is one write, not a gathered one.
 */
const JOINED_MAX_BYTES = 16 * 1024;

/** What Node's server adds after a keep-alive answer's own headers, in its order. */
const KEEP_ALIVE_LINES = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(
  KEEP_ALIVE_TIMEOUT_MS / 1000,
)}\r\n\r\n`;

interface EncodedHead {
  /** The validator the head was built with: a revalidation may change it in place. */
  etag: string | null;
  /** Status line and headers up to the Age line. */
  start: string;
  /** The Date value `bytes` carries. */
  date: string;
  /** The Age value `bytes` carries. */
  age: number;
  /** The head with its Age and Date lines; for a small object, followed by the whole body. */
  bytes: Buffer;
}

/**
 * The 200 answer to a plain GET of a whole cached object, byte for byte what Node's server
 * writes for it on the general path: the head is encoded once per cached version and when its
 * Date or its Age changes (each once a second, so at most twice a second), and leaves in the
 * same write as the body's own (shared, uncopied) chunks.
 */
export class EncodedAnswers {
  private readonly heads = new WeakMap<ObjectBody, EncodedHead>();
  private readonly date = new HttpDate();

  constructor(private readonly servedBy: () => string) {}

  /**
   * The answer for `body` served as `target` at `now`: one buffer (head and body) for a small
   * object, made once a second; else the head and the body's own chunks.
   */
  answerFor(body: ObjectBody, target: ObjectTarget, size: number, now: number): Buffer | Buffer[] {
    let head = this.heads.get(body);
    if (head?.etag !== body.meta.etag) {
      head = {
        etag: body.meta.etag,
        start: headStart(body, target, size, this.servedBy()),
        date: '',
        age: -1,
        bytes: Buffer.alloc(0),
      };
      this.heads.set(body, head);
    }
    const date = this.date.at(now);
    const age = ageSeconds(body, now);
    if (head.date !== date || head.age !== age) {
      head.date = date;
      head.age = age;
      const text = `${head.start}Age: ${age}\r\nDate: ${date}\r\n${KEEP_ALIVE_LINES}`;
      const bytes = Buffer.from(text, 'latin1');
      head.bytes = size <= JOINED_MAX_BYTES ? Buffer.concat([bytes, ...body.chunks]) : bytes;
    }
    return size <= JOINED_MAX_BYTES ? head.bytes : [head.bytes, ...body.chunks];
  }
}

function headStart(body: ObjectBody, target: ObjectTarget, size: number, servedBy: string): string {
  const headers = {
    ...objectHeaders(body, 'hit', servedBy),
    'Content-Type': body.meta.contentType || contentTypeFor(target.path),
    'Content-Length': size,
  };
  let text = 'HTTP/1.1 200 OK\r\n';
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${String(value)}\r\n`;
  return text;
}

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Writes a whole answer with its Content-Length; a HEAD request gets the headers only. */
export function sendAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  headers: OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, { 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A one-line plain-text answer (the line gets its newline here). */
export function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  line: string,
  headers: OutgoingHttpHeaders = {},
): void {
  sendAnswer(req, res, status, line === '' ? '' : `${line}\n`, {
    'Content-Type': 'text/plain; charset=utf-8',
    ...headers,
  });
}

import type { Endpoint, Message, RouteOkMessage } from './messages.js';

/** Control messages: everything but data frames, whose payload is raw bytes. */
export type ControlMessage = Exclude<Message, { type: 'data' }>;

/** Printable ASCII without `"` and `\`: all JSON.stringify would add are the quotes. */
const PLAIN_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string, without its cost for the plain text most strings are. */
function jsonString(text: string): string {
  return PLAIN_TEXT.test(text) ? `"${text}"` : JSON.stringify(text);
}

interface EndpointJson {
  host: string;
  port: number;
  json: string;
}

/** The balancer names the same few replicas in every answer: their JSON is kept by id. */
const endpointJsonById = new Map<string, EndpointJson>();
const ENDPOINT_CACHE_LIMIT = 1024;

function endpointJson({ id, host, port }: Endpoint): string {
  const cached = endpointJsonById.get(id);
  if (cached && cached.host === host && cached.port === port) return cached.json;
  const json = JSON.stringify({ id, host, port });
  if (endpointJsonById.size >= ENDPOINT_CACHE_LIMIT) endpointJsonById.clear();
  endpointJsonById.set(id, { host, port, json });
  return json;
}

/**
 * A route answer's JSON, the same text JSON.stringify gives, built from cached endpoint JSON:
 * on Node 20, JSON.stringify of the whole answer was most of the cost of encoding it.
 */
export function routeOkJson(message: RouteOkMessage): string {
  let alternates = '';
  for (const alternate of message.alternates) {
    alternates += (alternates === '' ? '' : ',') + endpointJson(alternate);
  }
  return (
    `{"best":${endpointJson(message.best)},"alternates":[${alternates}],` +
    `"strategy":${jsonString(message.strategy)},"reason":${jsonString(message.reason)}}`
  );
}

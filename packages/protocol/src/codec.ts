import {
  FRAME_HEADER_LENGTH,
  FrameType,
  MAX_PATH_LENGTH,
  MAX_REGIONS,
  MAX_PARENTS,
  MAX_HOPS_ON_WIRE,
  REGION_NAME,
  maxPayloadFor,
  type FrameTypeCode,
} from './constants.js';
import { ERROR_CODES, ProtocolError } from './errors.js';
import type {
  AdvertisedAddress,
  EndMessage,
  GetMessage,
  Endpoint,
  LoadReport,
  Message,
  MessageType,
  ObjectMessage,
  RouteMessage,
} from './messages.js';
import { routeOkJson, type ControlMessage } from './payload-json.js';
import {
  asObject,
  readArray,
  readBoolean,
  readCount,
  readNullableString,
  readNumber,
  readOneOf,
  readString,
  type Json,
} from './validate.js';

const MAX_TEXT = 1024;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export const FRAME_TYPE_OF: Record<MessageType, FrameTypeCode> = {
  route: FrameType.Route,
  'route-ok': FrameType.RouteOk,
  get: FrameType.Get,
  object: FrameType.Object,
  data: FrameType.Data,
  end: FrameType.End,
  ping: FrameType.Ping,
  pong: FrameType.Pong,
  error: FrameType.Error,
};

/** We never send what a peer must reject: a payload over its type's limit is refused here. */
function refuseOversize(type: FrameTypeCode, payloadLength: number): void {
  const max = maxPayloadFor(type);
  if (payloadLength > max) {
    throw new ProtocolError(
      'frame_too_large',
      `refusing to send a frame of type 0x${type.toString(16)} with ${payloadLength} bytes; the limit is ${max}`,
    );
  }
}

/**
 * The 5-byte header of a frame whose payload the caller writes next (data frames, no copy).
 * A payload over its type's limit is refused.
 */
export function encodeFrameHeader(type: FrameTypeCode, payloadLength: number): Buffer {
  refuseOversize(type, payloadLength);
  const header = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  header.writeUInt32BE(payloadLength, 0);
  header.writeUInt8(type, 4);
  return header;
}

/** One whole frame. For data frames prefer encodeFrameHeader + the bytes, to avoid a copy. */
export function encodeMessage(message: Message): Buffer {
  if (message.type === 'data') {
    return Buffer.concat([encodeFrameHeader(FrameType.Data, message.bytes.length), message.bytes]);
  }
  return encodeMessages([message]);
}

/**
 * Control frames one after another in one buffer (one allocation, one write): the balancer
 * answers each chunk of pipelined route frames with one of these.
 */
export function encodeMessages(messages: readonly ControlMessage[]): Buffer {
  const payloads = messages.map(framePayload);
  let total = 0;
  for (const payload of payloads) {
    refuseOversize(payload.type, payload.length);
    total += FRAME_HEADER_LENGTH + payload.length;
  }
  const frames = Buffer.allocUnsafe(total);
  let at = 0;
  for (const { type, json, length } of payloads) {
    frames.writeUInt32BE(length, at);
    frames.writeUInt8(type, at + 4);
    frames.write(json, at + FRAME_HEADER_LENGTH, length, 'utf8');
    at += FRAME_HEADER_LENGTH + length;
  }
  return frames;
}

interface FramePayload {
  type: FrameTypeCode;
  json: string;
  length: number;
}

function payloadOf(type: FrameTypeCode, json: string): FramePayload {
  return { type, json, length: Buffer.byteLength(json, 'utf8') };
}

/** A control frame's type and JSON payload (the message's fields but `type`). */
function framePayload(message: ControlMessage): FramePayload {
  if (message.type === 'route-ok') return payloadOf(FrameType.RouteOk, routeOkJson(message));
  const { type, ...fields } = message;
  return payloadOf(FRAME_TYPE_OF[type], JSON.stringify(fields));
}

function readPath(obj: Json): string | null {
  const path = readNullableString(obj, 'path', MAX_PATH_LENGTH);
  if (path !== null && !path.startsWith('/')) {
    throw new ProtocolError('bad_message', 'field "path" must start with "/"');
  }
  return path;
}

function readSha(obj: Json, field: string): string {
  const value = readString(obj, field, 64);
  if (!SHA256_HEX.test(value)) {
    throw new ProtocolError('bad_message', `field "${field}" must be 64 lowercase hex digits`);
  }
  return value;
}

/** The optional origin digest of object and end frames (absent from older replicas). */
function withOriginSha256<M extends ObjectMessage | EndMessage>(obj: Json, message: M): M {
  if (obj['originSha256'] !== undefined && obj['originSha256'] !== null) {
    message.originSha256 = readSha(obj, 'originSha256');
  }
  return message;
}

function readPort(obj: Json, what: string): number {
  const port = readCount(obj, 'port');
  if (port < 1 || port > 65535) throw new ProtocolError('bad_message', `${what} port out of range`);
  return port;
}

function readEndpoint(value: unknown): Endpoint {
  const obj = asObject(value, 'an endpoint');
  const port = readPort(obj, 'endpoint');
  return { id: readString(obj, 'id', MAX_TEXT), host: readString(obj, 'host', MAX_TEXT), port };
}

/** An IP address (IPv6 without brackets, maybe with a %zone) or a DNS name: nothing else. */
const ADVERTISED_HOST = /^[0-9A-Za-z._:%-]{1,253}$/;

function readAdvertised(value: unknown): AdvertisedAddress {
  const obj = asObject(value, 'an advertised address');
  const host = readString(obj, 'host', 253);
  if (!ADVERTISED_HOST.test(host)) {
    throw new ProtocolError(
      'bad_message',
      'field "host" of the advertised address must be an IP address or a host name',
    );
  }
  return { host, port: readPort(obj, 'advertised') };
}

const MAX_FAULTS = 8;
const MAX_FAULT_NAME = 32;

function readFaultNames(obj: Json): string[] {
  return readArray(obj, 'faults', MAX_FAULTS).map((name) => {
    if (typeof name !== 'string' || name.length > MAX_FAULT_NAME) {
      throw new ProtocolError(
        'bad_message',
        `faults: each a string of at most ${MAX_FAULT_NAME} characters`,
      );
    }
    return name;
  });
}

function readLoad(value: unknown): LoadReport {
  const obj = asObject(value, 'a load report');
  const load: LoadReport = {
    activeTransfers: readCount(obj, 'activeTransfers'),
    activeConnections: readCount(obj, 'activeConnections'),
    bytesPerSecond: readNumber(obj, 'bytesPerSecond'),
    eventLoopLagMs: readNumber(obj, 'eventLoopLagMs'),
    draining: readBoolean(obj, 'draining'),
    cachedObjects: readCount(obj, 'cachedObjects'),
    cachedBytes: readCount(obj, 'cachedBytes'),
  };
  if (obj['faults'] !== undefined) load.faults = readFaultNames(obj);
  if (obj['transfersFailed'] !== undefined)
    load.transfersFailed = readCount(obj, 'transfersFailed');
  if (obj['transfersOk'] !== undefined) load.transfersOk = readCount(obj, 'transfersOk');
  if (obj['responseMs'] !== undefined) load.responseMs = readNumber(obj, 'responseMs');
  if (obj['region'] !== undefined) load.region = readRegion(obj, 'region');
  if (obj['clientRegions'] !== undefined) {
    load.clientRegions = readArray(obj, 'clientRegions', MAX_REGIONS).map((row) => {
      const served = asObject(row, 'a client-region row');
      return {
        region: readRegion(served, 'region'),
        requests: readCount(served, 'requests'),
        ttfbMs: readNumber(served, 'ttfbMs'),
      };
    });
  }
  readTierFields(obj, load);
  if (obj['advertised'] !== undefined) load.advertised = readAdvertised(obj['advertised']);
  return load;
}

/** The tier fields of a load report (absent from replicas before tiers). */
function readTierFields(obj: Json, load: LoadReport): void {
  if (obj['tier'] !== undefined) load.tier = readRegion(obj, 'tier');
  for (const field of ['hits', 'misses', 'parentFetches', 'originFetches'] as const) {
    if (obj[field] !== undefined) load[field] = readCount(obj, field);
  }
  if (obj['parents'] !== undefined) {
    load.parents = readArray(obj, 'parents', MAX_PARENTS).map((row) => {
      const parent = asObject(row, 'a parent row');
      return {
        id: readString(parent, 'id', MAX_TEXT),
        state: readOneOf(parent, 'state', ['up', 'failed'] as const),
      };
    });
  }
}

function readGet(obj: Json): GetMessage {
  const message: GetMessage = {
    type: 'get',
    path: readPath(obj),
    offset: readCount(obj, 'offset'),
  };
  if (obj['hops'] !== undefined && obj['hops'] !== null) {
    const hops = readCount(obj, 'hops');
    if (hops > MAX_HOPS_ON_WIRE) {
      throw new ProtocolError('bad_message', `field "hops" must be at most ${MAX_HOPS_ON_WIRE}`);
    }
    message.hops = hops;
  }
  return message;
}

function readRegion(obj: Json, field: string): string {
  const value = readString(obj, field, 32);
  if (!REGION_NAME.test(value)) {
    throw new ProtocolError(
      'bad_message',
      `field "${field}" must be a region name: a lowercase letter, then letters, digits or -`,
    );
  }
  return value;
}

function readRoute(obj: Json): RouteMessage {
  const message: RouteMessage = { type: 'route', path: readPath(obj) };
  if (obj['region'] !== undefined && obj['region'] !== null) {
    message.region = readRegion(obj, 'region');
  }
  return message;
}

function parseControl(type: FrameTypeCode, obj: Json): Message {
  switch (type) {
    case FrameType.Route:
      return readRoute(obj);
    case FrameType.RouteOk:
      return {
        type: 'route-ok',
        best: readEndpoint(obj['best']),
        alternates: readArray(obj, 'alternates', 8).map(readEndpoint),
        strategy: readString(obj, 'strategy', MAX_TEXT),
        reason: readString(obj, 'reason', MAX_TEXT),
      };
    case FrameType.Get:
      return readGet(obj);
    case FrameType.Object:
      return withOriginSha256(obj, {
        type: 'object',
        path: readString(obj, 'path', MAX_PATH_LENGTH),
        size: readCount(obj, 'size'),
        offset: readCount(obj, 'offset'),
        etag: readNullableString(obj, 'etag', MAX_TEXT),
        sha256: obj['sha256'] === null ? null : readSha(obj, 'sha256'),
        cache: readOneOf(obj, 'cache', ['hit', 'miss', 'revalidated', 'stale'] as const),
        servedBy: readString(obj, 'servedBy', MAX_TEXT),
      });
    case FrameType.End:
      return withOriginSha256(obj, {
        type: 'end',
        size: readCount(obj, 'size'),
        sha256: readSha(obj, 'sha256'),
      });
    case FrameType.Ping:
      return { type: 'ping', seq: readCount(obj, 'seq') };
    case FrameType.Pong:
      return { type: 'pong', seq: readCount(obj, 'seq'), load: readLoad(obj['load']) };
    case FrameType.Error: {
      const message: Message = {
        type: 'error',
        code: readOneOf(obj, 'code', ERROR_CODES),
        message: readString(obj, 'message', MAX_TEXT),
      };
      if (obj['retryAfterMs'] !== undefined) message.retryAfterMs = readCount(obj, 'retryAfterMs');
      return message;
    }
    default:
      throw new ProtocolError('unknown_type', `frame type ${type} has no control payload`);
  }
}

/** Turns one frame's payload into a typed message, or throws a ProtocolError. */
export function decodePayload(type: FrameTypeCode, payload: Buffer): Message {
  if (type === FrameType.Data) return { type: 'data', bytes: payload };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new ProtocolError('bad_message', `frame type ${type} payload is not valid JSON`);
  }
  return parseControl(type, asObject(json, 'a control payload'));
}

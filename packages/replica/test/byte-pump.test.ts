import assert from 'node:assert/strict';
import { createServer, request, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { openEventLog } from '@cdn-lab/common';
import { ObjectBody } from '../src/cache/object-body.js';
import { FaultInjector } from '../src/faults/fault-injector.js';
import { ResponseSink } from '../src/http/response-sink.js';
import { pumpBytes } from '../src/request/byte-pump.js';
import { STREAM_SEND_WINDOW_BYTES, type ByteSink } from '../src/request/byte-sink.js';
import { TransferBroken } from '../src/request/transfer-broken.js';
import { LoadMeter } from '../src/server/load-meter.js';
import { bytesOf } from './test-origin.js';

const CHUNK = 64 * 1024;

function completeBody(bytes: Buffer): ObjectBody {
  const body = new ObjectBody({ size: bytes.length, etag: null, lastModified: null }, true);
  for (let at = 0; at < bytes.length; at += CHUNK) body.append(bytes.subarray(at, at + CHUNK));
  body.finish();
  return body;
}

/** A sink that holds what it is given until the test lets it drain. */
class HoldingSink implements ByteSink {
  readonly written: Buffer[] = [];
  buffered = 0;
  waits: number[] = [];
  private release: (() => void) | null = null;

  constructor(
    readonly window: number,
    readonly maxWrite = Number.POSITIVE_INFINITY,
  ) {}

  get usable(): boolean {
    return true;
  }

  write(bytes: Buffer): void {
    this.written.push(bytes);
    this.buffered += bytes.length;
  }

  writable(): Promise<void> {
    this.waits.push(this.buffered);
    return new Promise((resolve) => {
      this.release = () => {
        this.buffered = 0;
        resolve();
      };
      setImmediate(() => this.release?.());
    });
  }
}

function meterFor(t: TestContext): LoadMeter {
  const meter = new LoadMeter();
  t.after(() => meter.stop());
  return meter;
}

const quiet = openEventLog('replica', undefined).log;

/** Counts what the pump asks of the transfer faults; paces without waiting. */
class CountingInjector extends FaultInjector {
  paced = 0;
  sliced = 0;

  override pace(): Promise<void> {
    this.paced += 1;
    return Promise.resolve();
  }

  override slices(piece: Buffer, maxWrite?: number): Buffer[] {
    this.sliced += 1;
    return super.slices(piece, maxWrite);
  }
}

/** Pumps all of `bytes` (a complete body) into `sink`. */
function pumpWhole(
  t: TestContext,
  bytes: Buffer,
  sink: ByteSink,
  faults: FaultInjector,
  progress = { bytes: 0 },
): Promise<void> {
  const range = { start: 0, end: bytes.length };
  return pumpBytes(completeBody(bytes).openCursor(), range, sink, meterFor(t), faults, progress);
}

/** A HoldingSink that runs `atFirstWait` when the pump first waits for it. */
class FirstWaitSink extends HoldingSink {
  constructor(
    window: number,
    private atFirstWait: (() => void) | null,
  ) {
    super(window);
  }

  override writable(): Promise<void> {
    this.atFirstWait?.();
    this.atFirstWait = null;
    return super.writable();
  }
}

describe('the byte pump every dialect uses', () => {
  it('writes the asked range, waits only when the window is full, and counts every byte', async (t) => {
    const bytes = bytesOf(1_000_000, 3);
    const body = completeBody(bytes);
    const sink = new HoldingSink(256 * 1024);
    const meter = meterFor(t);
    const progress = { bytes: 0 };
    await pumpBytes(
      body.openCursor(),
      { start: 100, end: 900_100 },
      sink,
      meter,
      new FaultInjector(quiet),
      progress,
    );
    assert.ok(Buffer.concat(sink.written).equals(bytes.subarray(100, 900_100)));
    assert.equal(progress.bytes, 900_000);
    assert.equal(meter.totalBytes, 900_000);
    assert.ok(sink.waits.length > 0, 'it waited for the sink');
    for (const buffered of sink.waits) assert.ok(buffered >= 256 * 1024, `waited at ${buffered}`);
  });

  it('cuts at the reset point and still counts the bytes written before the cut', async (t) => {
    const bytes = bytesOf(300_000, 4);
    const sink = new HoldingSink(STREAM_SEND_WINDOW_BYTES);
    const meter = meterFor(t);
    const progress = { bytes: 0 };
    const faults = new FaultInjector(quiet, () => 0);
    faults.merge({ resetRate: 1 });
    await assert.rejects(
      pumpBytes(
        completeBody(bytes).openCursor(),
        { start: 0, end: bytes.length },
        sink,
        meter,
        faults,
        progress,
      ),
      (error: unknown) => error instanceof TransferBroken && error.replicaFault,
    );
    assert.equal(progress.bytes, 150_000);
    assert.equal(meter.totalBytes, 150_000);
    assert.equal(Buffer.concat(sink.written).length, 150_000);
  });

  it('never writes more than a sink takes at once (legacy packets)', async (t) => {
    const bytes = bytesOf(5000, 5);
    const sink = new HoldingSink(0, 512);
    await pumpBytes(
      completeBody(bytes).openCursor(),
      { start: 0, end: bytes.length },
      sink,
      meterFor(t),
      new FaultInjector(quiet),
      { bytes: 0 },
    );
    assert.ok(sink.written.every((piece) => piece.length <= 512));
    assert.ok(Buffer.concat(sink.written).equals(bytes));
    assert.equal(sink.waits.length, sink.written.length - 1, 'one wait per packet but the last');
  });

  it('over HTTP, queues up to the send window before waiting, and no more than a chunk past it', async (t) => {
    const bytes = bytesOf(16 * 1024 * 1024, 6);
    const body = completeBody(bytes);
    const waitedAt: number[] = [];
    const meter = meterFor(t);
    let pumped: Promise<void> = Promise.resolve();
    const server = createServer((_req, res: ServerResponse) => {
      res.writeHead(200, { 'Content-Length': bytes.length });
      const sink = new ResponseSink(res);
      const recording: ByteSink = {
        get usable() {
          return sink.usable;
        },
        get buffered() {
          return sink.buffered;
        },
        window: sink.window,
        maxWrite: sink.maxWrite,
        write: (piece) => sink.write(piece),
        writable: () => {
          waitedAt.push(sink.buffered);
          return sink.writable();
        },
      };
      pumped = pumpBytes(
        body.openCursor(),
        { start: 0, end: bytes.length },
        recording,
        meter,
        new FaultInjector(quiet),
        { bytes: 0 },
      ).then(() => void res.end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const { port } = server.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, path: '/' });
    req.end();
    const [res] = (await once(req, 'response')) as [NodeJS.ReadableStream];
    let received = 0;
    res.on('data', (chunk: Buffer) => (received += chunk.length));
    await once(res, 'end');
    await pumped;
    assert.equal(received, bytes.length);
    assert.ok(waitedAt.length > 0, 'the pump waited for the client');
    for (const buffered of waitedAt) {
      assert.ok(buffered >= STREAM_SEND_WINDOW_BYTES, `waited with only ${buffered} queued`);
      assert.ok(buffered < STREAM_SEND_WINDOW_BYTES + CHUNK, `queued ${buffered}`);
    }
  });

  it('with no fault set, never asks the faults about a chunk (no pacing, no slicing)', async (t) => {
    const bytes = bytesOf(1_000_000, 7);
    const faults = new CountingInjector(quiet);
    const sink = new HoldingSink(128 * 1024);
    await pumpWhole(t, bytes, sink, faults);
    assert.ok(Buffer.concat(sink.written).equals(bytes));
    assert.equal(faults.paced + faults.sliced, 0);
  });

  it('paces the rest of a transfer when a bandwidth cap is set while it runs', async (t) => {
    const bytes = bytesOf(1_000_000, 8);
    const faults = new CountingInjector(quiet);
    const sink = new FirstWaitSink(128 * 1024, () => faults.merge({ bandwidthKBps: 1 }));
    const progress = { bytes: 0 };
    await pumpWhole(t, bytes, sink, faults, progress);
    assert.ok(Buffer.concat(sink.written).equals(bytes));
    assert.equal(progress.bytes, bytes.length);
    assert.ok(faults.paced > 0, 'paced after the cap was set');
    const afterCap = sink.written.slice(sink.written.findIndex((piece) => piece.length <= 1024));
    assert.ok(afterCap.length > 1 && afterCap.every((piece) => piece.length <= 1024));
  });

  it('does not cut a transfer for a reset fault set after it started (decided at the start)', async (t) => {
    const bytes = bytesOf(1_000_000, 9);
    const faults = new FaultInjector(quiet, () => 0);
    const sink = new FirstWaitSink(128 * 1024, () => faults.merge({ resetRate: 1 }));
    await pumpWhole(t, bytes, sink, faults);
    assert.ok(Buffer.concat(sink.written).equals(bytes));
  });
});

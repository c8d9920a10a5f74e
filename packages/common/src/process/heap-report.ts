/**
 * A supervisor (the soak) asks a role for its memory over the IPC channel. The role answers with
 * the heap used right after a full collection when it runs with `--expose-gc`: that figure is the
 * memory the role still holds, so its trend shows leaks, where resident memory also moves with
 * V8's heap sizing and the allocator.
 */
export interface HeapReportRequest {
  type: 'heap-report-request';
  id: number;
}

export interface HeapReport {
  type: 'heap-report';
  id: number;
  /** Whether a full collection ran first (the role was started with `--expose-gc`). */
  collected: boolean;
  heapUsedBytes: number;
  /** Memory of Buffers and other objects outside the V8 heap. */
  externalBytes: number;
  residentBytes: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isHeapReportRequest(value: unknown): value is HeapReportRequest {
  return (
    isRecord(value) && value['type'] === 'heap-report-request' && typeof value['id'] === 'number'
  );
}

export function isHeapReport(value: unknown): value is HeapReport {
  return (
    isRecord(value) &&
    value['type'] === 'heap-report' &&
    typeof value['id'] === 'number' &&
    typeof value['heapUsedBytes'] === 'number'
  );
}

/** Collects (when it may) and measures: the answer to a HeapReportRequest. */
export function measureHeap(id: number): HeapReport {
  const collect = globalThis.gc;
  if (collect) collect();
  const usage = process.memoryUsage();
  return {
    type: 'heap-report',
    id,
    collected: collect !== undefined,
    heapUsedBytes: usage.heapUsed,
    externalBytes: usage.external,
    residentBytes: usage.rss,
  };
}

/** Answers every HeapReportRequest that arrives over this process's IPC channel. */
export function answerHeapReports(): void {
  process.on('message', (message) => {
    if (isHeapReportRequest(message) && process.connected) process.send?.(measureHeap(message.id));
  });
}

/** A FIFO of received chunks that hands out exact byte counts, copying only across chunk seams. */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first n bytes without consuming them; n must not exceed length. */
  peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.head >= n) {
      return first.subarray(this.head, this.head + n);
    }
    return this.copyOut(n, false);
  }

  /** Removes and returns the first n bytes; n must not exceed length. */
  take(n: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      this.length -= n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    return this.copyOut(n, true);
  }

  private copyOut(n: number, consume: boolean): Buffer {
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let index = 0;
    let head = this.head;
    while (written < n) {
      const chunk = this.chunks[index] as Buffer;
      const count = Math.min(n - written, chunk.length - head);
      chunk.copy(out, written, head, head + count);
      written += count;
      head += count;
      if (head === chunk.length) {
        index += 1;
        head = 0;
      }
    }
    if (consume) {
      this.chunks.splice(0, index);
      this.head = head;
      this.length -= n;
    }
    return out;
  }
}

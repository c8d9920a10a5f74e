/**
 * The Date header's value, made once a second (as Node's own server does) instead of once per
 * answer. The same string is returned all through a second, so a caller can tell a new second
 * by comparing it with the last one it got.
 */
export class HttpDate {
  private second = -1;
  private text = '';

  /** `now` in IMF-fixdate, e.g. "Tue, 01 Dec 2026 10:00:00 GMT". */
  at(now: number): string {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.text = new Date(second * 1000).toUTCString();
    }
    return this.text;
  }
}

/**
 * The Date header's value, made once a second (as Node's own server does) instead of once per
 * answer.
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

  /** Changes when the text does: answers built for one second are good for all of it. */
  secondOf(now: number): number {
    this.at(now);
    return this.second;
  }
}

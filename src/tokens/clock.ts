/** The time that minting and validation agree on; tests set it instead of sleeping. */
export class Clock {
  #fixed: Date | (() => Date) | undefined;
  constructor(now?: Date | (() => Date)) {
    this.#fixed = now;
  }
  /** Fix the time (a Date or a function giving one); `undefined` goes back to the real clock. */
  set(now: Date | (() => Date) | undefined): void {
    this.#fixed = now;
  }
  now(): Date {
    const f = this.#fixed;
    return f === undefined ? new Date() : typeof f === 'function' ? f() : f;
  }
  /** Seconds since the epoch, as JWT claims count them. */
  seconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}

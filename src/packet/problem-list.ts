import { fail, type Check } from '../core/result.js';
import { plural } from '../core/plural.js';

/** Failures of one reason code listed in full; beyond this they are counted in one summary check. */
export const MAX_LISTED_PER_CODE = 1000;

/** Failures, the first MAX_LISTED_PER_CODE of each code in full, the rest counted. */
export class ProblemList {
  private readonly listed: Check[] = [];
  private readonly perCode = new Map<string, { id: string; shown: number; more: number }>();

  add(check: Check): void {
    const count = this.perCode.get(check.code) ?? { id: check.id, shown: 0, more: 0 };
    this.perCode.set(check.code, count);
    if (count.shown < MAX_LISTED_PER_CODE) {
      count.shown += 1;
      this.listed.push(check);
    } else {
      count.more += 1;
    }
  }

  get size(): number {
    return this.listed.length;
  }

  has(id: string): boolean {
    return this.listed.some((c) => c.id === id);
  }

  /** Append to `checks` one by one (never spread: the list can be long). */
  drainInto(checks: Check[]): void {
    for (const check of this.listed) checks.push(check);
    for (const [code, count] of this.perCode) {
      if (count.more > 0) {
        checks.push(fail(count.id, code, `${plural(count.more, 'more entry', 'more entries')} failed with ${code} (the first ${MAX_LISTED_PER_CODE} are listed)`, { data: { more: count.more } }));
      }
    }
    this.listed.length = 0;
    this.perCode.clear();
  }
}

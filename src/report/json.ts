import type { Report } from '../core/result.js';

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}

import { expect, test } from 'vitest';
import * as reportApi from '../../src/report/index.js';
import * as root from '../../src/index.js';

test('the report module keeps its named exports (a test fails if one disappears)', () => {
  for (const name of ['renderText', 'renderCheck', 'formatLocation', 'renderJson', 'renderMarkdown', 'escapeMarkdown', 'renderHtml', 'escapeHtml', 'auditorView', 'displayText', 'groupedFingerprint']) {
    expect(typeof (reportApi as Record<string, unknown>)[name], name).toBe('function');
  }
  expect(root.report.renderHtml).toBe(reportApi.renderHtml);
  expect(root.report.renderMarkdown).toBe(reportApi.renderMarkdown);
});

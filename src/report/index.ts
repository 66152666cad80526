export { renderText, renderCheck, formatLocation, type TextOptions } from './text.js';
export { renderJson } from './json.js';
export { renderMarkdown, escapeMarkdown } from './markdown.js';
export { renderHtml, escapeHtml } from './html.js';
export { auditorView, displayText, type AuditorView, type AuditorOptions, type SignerView, type DualControlView, type RedactionView, type PacketView } from './auditor-view.js';

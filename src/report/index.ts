export { renderText, renderCheck, formatLocation, type TextOptions } from './text.js';
export { renderJson, renderEnvelope, reportEnvelope, resultEnvelope, errorEnvelope, jsonError, writeStreamedEnvelope, EnvelopeWrittenError, JSON_OUTPUT_FORMAT, type JsonEnvelope, type JsonError, type JsonErrorKind, type EnvelopeHead, type StreamedEnvelope } from './json.js';
export { renderGithub, escapeData, escapeProperty } from './github.js';
export { renderSarif, SARIF_SCHEMA, type SarifOptions } from './sarif.js';
export { renderMarkdown, escapeMarkdown } from './markdown.js';
export { renderHtml, escapeHtml } from './html.js';
export {
  auditorView,
  displayText,
  groupedFingerprint,
  type AuditorView,
  type AuditorOptions,
  type SignerView,
  type DualControlView,
  type RedactionView,
  type PacketView,
  type PolicyView,
  type CertificateView,
  type EvidenceView,
  type KeyWindowView,
} from './auditor-view.js';
export { renderStatus } from './status.js';
export { visible } from './escape.js';

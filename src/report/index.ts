export { renderText, renderCheck, formatLocation, type TextOptions } from './text.js';
export { renderJson } from './json.js';
export { renderGithub, escapeData, escapeProperty } from './github.js';
export { renderSarif, SARIF_SCHEMA, type SarifOptions } from './sarif.js';

export { renderText, renderCheck, formatLocation, type TextOptions } from './text.js';
export { renderJson } from './json.js';

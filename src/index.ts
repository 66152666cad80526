/**
 * The library API of evidence-packet. The `packet` command is a thin layer over these exports;
 * tests and other programs call them directly.
 */
export * from './core/index.js';
export * as report from './report/index.js';
export * as packet from './packet/index.js';
export * as verify from './verify/index.js';
export * as signing from './signing/index.js';
export * as trust from './trust/index.js';
export * as timestamp from './timestamp/index.js';
export * as ceremony from './ceremony/index.js';
export * as contracts from './contracts/index.js';

export * from './result.js';
export * from './errors.js';
export * from './exit-codes.js';
export * from './time.js';
export * from './atomic.js';
export * from './lock.js';
export * from './interrupt.js';
export * from './version.js';

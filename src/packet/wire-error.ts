import { PacketError, type ErrorKind } from '../core/errors.js';

/** An error as plain data, for a message between threads. */
export type WireError = { packet: true; kind: ErrorKind; code: string; message: string; hint?: string; file?: string; line?: number } | { packet: false; message: string };

export function errorForWire(error: unknown): WireError {
  if (error instanceof PacketError) {
    return {
      packet: true,
      kind: error.kind,
      code: error.code,
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.file === undefined ? {} : { file: error.file }),
      ...(error.line === undefined ? {} : { line: error.line }),
    };
  }
  return { packet: false, message: error instanceof Error ? error.message : String(error) };
}

/** The error another thread reported, as the error this thread would have thrown. */
export function fromWire(error: WireError): Error {
  if (!error.packet) return new Error(error.message);
  return new PacketError(error.kind, error.code, error.message, {
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.file === undefined ? {} : { file: error.file }),
    ...(error.line === undefined ? {} : { line: error.line }),
  });
}

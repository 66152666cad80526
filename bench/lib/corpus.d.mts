export interface CorpusCase {
  class: string;
  file: string;
  name: string;
  path: string;
  text: string;
  secrets: string[];
  keep: string[];
}
export interface Score {
  secrets: number;
  removed: number;
  keeps: number;
  kept: number;
  left: { case: string; class: string }[];
  lost: { case: string; class: string; keep: string }[];
}
export const CORPUS_DIR: string;
export function loadCorpus(dir?: string): CorpusCase[];
export function occurrences(text: string, needle: string): [number, number][];
export function scoreRedactor(cases: CorpusCase[], redact: (text: string, path: string) => string): Score;
export function scoreDetector(cases: CorpusCase[], detect: (text: string, path: string) => [number, number][]): Score;

/** A count with its noun: "1 file", "2 files", "0 files". */
export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

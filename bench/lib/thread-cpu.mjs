// Preload (node --import ./bench/lib/thread-cpu.mjs bin/packet.js ...): at exit, print to stderr
// the CPU time of the main thread and of the process's other live threads (V8's compiler and
// garbage-collector helpers; a worker that already ended is not among them), from Linux's
// /proc/self/task/*/schedstat. The main thread's CPU is what a second core cannot take over.
import { readFileSync, readdirSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const cpuMs = (tid) => Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

// A worker thread runs this preload too (--import applies to workers): only the main thread reports.
if (isMainThread) process.on('exit', () => {
  try {
    const others = readdirSync('/proc/self/task').filter((tid) => tid !== String(process.pid));
    const otherMs = others.reduce((sum, tid) => sum + cpuMs(tid), 0);
    process.stderr.write(`thread-cpu: main ${cpuMs(process.pid).toFixed(0)} ms, other threads ${otherMs.toFixed(0)} ms\n`);
  } catch {
    // Not Linux: nothing to report.
  }
});

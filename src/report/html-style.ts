/**
 * The working paper's stylesheet: one column that fits a phone, a desktop and a printed page.
 * Print leaves the paper size to the printer (@page sets margins only), so A4 and US Letter both
 * fit: the content is never wider than 186 mm and long values wrap, except fingerprints, which
 * are kept on one line by design (grouped in fours with no-break spaces).
 */
export const STYLE = `
*, *::before, *::after { box-sizing: border-box; }
body { font: 10.5pt/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif; color: #111; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.45em; margin: 0 0 .2em; }
h2 { font-size: 1.1em; margin: 1em 0 .35em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; margin: 0 0 .25em; }
p { margin: .3em 0; }
table { border-collapse: collapse; width: 100%; margin: .3em 0; table-layout: auto; }
th, td { text-align: left; vertical-align: top; padding: .2em .45em; border: 1px solid #ddd; overflow-wrap: anywhere; }
th { background: #f3f3f3; }
th[scope="row"] { width: 9em; white-space: nowrap; }
code { font: .92em ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace; overflow-wrap: anywhere; }
code.fpr { white-space: nowrap; overflow-wrap: normal; word-break: keep-all; }
.fpr-file { white-space: nowrap; overflow-wrap: normal; word-break: keep-all; }
.verdict { border: 2px solid; padding: .5em .8em; border-radius: 4px; }
.verdict.pass { border-color: #1a7f37; background: #e9f7ec; }
.verdict.fail { border-color: #b3261e; background: #fdecea; }
.verdict.incomplete { border-color: #9a6700; background: #fff8e1; }
.verdict.intact { border-color: #0b5cad; background: #eaf2fb; }
.status { font-weight: 600; white-space: nowrap; }
.status.fail { color: #b3261e; } .status.warn, .status.incomplete { color: #9a6700; } .status.pass { color: #1a7f37; } .status.intact { color: #0b5cad; }
.note, .claim { color: #444; }
.claim { font-style: italic; }
.caveat { border-left: 3px solid #9a6700; padding: .1em .6em; background: #fffdf5; }
.signer { border: 1px solid #ddd; border-left: 4px solid #b3261e; padding: .3em .6em; margin: .4em 0; }
.signer.counted { border-left-color: #1a7f37; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr) max-content minmax(0, 1fr); gap: .1em .8em; margin: .2em 0; }
dl.facts dt, dl.facts dd { margin: 0; overflow-wrap: anywhere; }
dl.facts dd.wide { grid-column: span 3; }
table.checks th, table.checks td:nth-child(-n+3) { white-space: nowrap; }
.why { font-weight: normal; }
.signer dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .05em .8em; margin: 0; }
.signer dd { margin: 0; overflow-wrap: anywhere; }
details > summary { cursor: pointer; }
.print-only { display: none; }
footer { margin-top: 1.2em; padding-top: .3em; border-top: 1px solid #ccc; color: #444; font-size: .9em; }
@page { margin: 6mm; }
@media print {
  body { font-size: 7.5pt; line-height: 1.1; margin: 0; max-width: none; padding: 0; }
  h1 { font-size: 1.4em; } h2 { margin: .3em 0 .1em; }
  p { margin: .15em 0; } table { margin: .15em 0; }
  footer { margin-top: .5em; }
  .verdict { padding: .3em .6em; }
  .signer { margin: .15em 0; padding: .15em .5em; }
  th, td { padding: .1em .35em; }
  table.checks { font-size: .92em; }
  table.checks td:nth-child(4) { width: 24%; }
  table.checks td br { display: none; }
  table.checks td .note::before { content: " "; }
  ul { margin: .2em 0; }
  .verdict, .signer { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  tr, li, .signer { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .print-only { display: block; }
  table.checks tr.check.pass, table.checks.all-passed, details#evidence-list { display: none; }
}
`;

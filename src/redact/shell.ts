/**
 * Shell words: how far a value assigned on a command line reaches. `PGPASSWORD='a b' psql` sets
 * `a b`; `TOKEN=$(vault read -field=t x) cmd` sets the whole substitution. Linear, no regex.
 */

/**
 * Length of the shell word at the start of `text`: quotes ('...', "..." with backslash escapes),
 * `$(...)`, `${...}` and backticks nest; an unquoted blank, `;`, `|`, `&`, `<` or `>` ends it.
 */
export function shellWordLength(text: string): number {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      i = close === -1 ? text.length : close + 1;
      continue;
    }
    if (c === '"' || c === '`') {
      i = closingQuote(text, i, c);
      continue;
    }
    if (c === '$' && (text[i + 1] === '(' || text[i + 1] === '{')) {
      depth += 1;
      i += 2;
      continue;
    }
    if ((c === ')' || c === '}') && depth > 0) {
      depth -= 1;
      i += 1;
      continue;
    }
    if (depth === 0 && (c === ' ' || c === '\t' || c === ';' || c === '|' || c === '&' || c === '<' || c === '>' || c === ')')) break;
    i += 1;
  }
  return Math.min(i, text.length);
}

function closingQuote(text: string, open: number, quote: string): number {
  for (let i = open + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === quote) return i + 1;
  }
  return text.length;
}

/**
 * After `KEY=word`, does the rest of the line run a command (`PGPASSWORD=x psql -h db`), rather
 * than continue the value (`.env`: `SMTP_PASSWORD=correct horse battery`)? Options, pipes,
 * redirections, `&&`, `;` or a second assignment say it is a command.
 */
export function restIsCommand(rest: string): boolean {
  return /^[ \t]*(?:[;|&<>]|$)|[ \t](?:-{1,2}[A-Za-z0-9]|[|&;<>]|[A-Za-z_][A-Za-z0-9_]*=)/.test(rest) || /^[ \t]+[.~]?\//.test(rest);
}

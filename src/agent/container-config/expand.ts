/** `$(VAR)` expansion in env values, command and args, with `$$` as the escape, as Kubernetes does. */

/** Expands $(NAME) from `lookup`; unknown references stay as written; `$$(X)` yields `$(X)`. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        // Unterminated: "$(" stays literal and scanning goes on (a later "$$" still escapes), as Kubernetes does.
        out += '$(';
        i++;
        continue;
      }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v === undefined ? `$(${name})` : v;
      i = close;
      continue;
    }
    out += ch;
  }
  return out;
}

/**
 * Nesting depth of YAML/JSON text, measured in one linear pass before any parser sees it (the
 * `yaml` library recurses per level: unbounded nesting ends in a stack overflow or a native
 * abort). Counts block levels (indentation steps and `- ` sequence entries that open on one line)
 * plus flow levels (`[`, `{` outside quotes and comments). An over-estimate is fine: the bound is
 * far above what a real config needs.
 */
export function yamlNestingDepth(text: string): number {
  let max = 0;
  let flow = 0;
  const indents: number[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    // Start of a line: indentation and `- ` entries (block levels), unless inside a flow collection.
    let indent = 0;
    while (i < n && text.charCodeAt(i) === 32) {
      indent++;
      i++;
    }
    const c0 = text.charCodeAt(i);
    if (flow === 0 && i < n && c0 !== 10 && c0 !== 13 && c0 !== 35) {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      let dashes = 0;
      while (text.charCodeAt(i) === 45 && (text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 10)) {
        dashes++;
        i += 2;
        while (text.charCodeAt(i) === 32) i++;
      }
      max = Math.max(max, indents.length + dashes);
    }
    // Rest of the line: flow brackets outside quotes; `#` after a space starts a comment.
    let prev = 32;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        i++;
        break;
      }
      if (
        (c === 34 || c === 39) &&
        (prev === 32 || prev === 91 || prev === 123 || prev === 44 || prev === 58 || prev === 45)
      ) {
        i = skipQuoted(text, i, c);
        prev = c;
        continue;
      }
      if (c === 35 && (prev === 32 || prev === 9)) {
        const nl = text.indexOf("\n", i);
        i = nl === -1 ? n : nl;
        continue;
      }
      if (c === 91 || c === 123) {
        flow++;
        max = Math.max(max, indents.length + flow);
      } else if ((c === 93 || c === 125) && flow > 0) flow--;
      prev = c;
      i++;
    }
  }
  return max;
}

/** Index after the quoted scalar starting at `start` (quote `q`; `\` escapes in `"`, `''` in `'`). */
function skipQuoted(text: string, start: number, q: number): number {
  let i = start + 1;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (q === 34 && c === 92) i += 2;
    else if (c === q) {
      if (q === 39 && text.charCodeAt(i + 1) === 39) i += 2;
      else return i + 1;
    } else i++;
  }
  return n;
}

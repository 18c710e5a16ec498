/**
 * Rewrites absolute paths under the run root in a message to root-relative ones (`<root>/a/b` → `a/b`,
 * `<root>` alone → `.`), so problems read the same on every machine and do not repeat the root.
 */
export function relativizePaths(message: string, root: string): string {
  if (!root || root === "/") return message;
  const trimmed = root.replace(/[\\/]+$/, "");
  return message.split(`${trimmed}/`).join("").split(trimmed).join(".");
}

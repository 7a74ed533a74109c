// Prefix ranges over the flat key space, shared by the backends and the watch cache.

/**
 * The smallest string greater than every key that starts with prefix, or undefined when the
 * prefix is empty (no upper bound). SQLite compares TEXT by UTF-8 bytes, which orders code points
 * the same way as the code points themselves, so bumping the last code point gives a tight bound;
 * a last code point that cannot be bumped without becoming a surrogate is dropped and the one
 * before it bumped instead, which still bounds the range (callers filter with startsWith anyway).
 */
export function prefixEnd(prefix: string): string | undefined {
  let head = prefix;
  while (head.length > 0) {
    const last = head.charCodeAt(head.length - 1);
    const bumped = last + 1;
    const isSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdfff;
    if (!isSurrogate(last) && !isSurrogate(bumped) && bumped <= 0xffff) {
      return head.slice(0, -1) + String.fromCharCode(bumped);
    }
    head = head.slice(0, -1);
  }
  return undefined;
}

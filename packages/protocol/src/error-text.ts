// Error texts are for people reading logs and clients, and may quote what a client sent: a
// stream or stanza error never carries more than a short prefix of it (issue #7 §5: a 200 KB
// element name was echoed back and logged whole).
export const MAX_ERROR_TEXT = 256;

/** `text` cut to MAX_ERROR_TEXT characters (never inside a surrogate pair), marked with '…' when cut. */
export function boundedText(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= MAX_ERROR_TEXT) return text;
  let end = MAX_ERROR_TEXT - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

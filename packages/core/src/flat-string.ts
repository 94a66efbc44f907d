// A string built by concatenation (ltx's serialiser, template literals) is, in V8, a tree of
// "cons" pieces until something reads it whole: a serialised presence stanza is ~25 of them, 32
// bytes each plus the pieces. Converting it to a number flattens it in place into one sequential
// string, so the tree goes. For strings a node keeps for as long as a session lives (its available
// presence): with thousands of idle sessions the tree is about a kilobyte per session (issue #7 §8).

/** The same string, flattened in place (V8); returns its argument. */
export function flatString(s: string): string {
  // The number is thrown away: ToNumber is what flattens (as the flatstr package does).
  void Number(s);
  return s;
}

/**
 * A copy of `s` that does not keep alive the text it was cut from. V8 makes a substring of 13
 * characters or more (an attribute value read from a request body) a view of the whole body: kept
 * for a session's life, the view keeps the body. For well-formed text (XML character data has no
 * lone surrogates, which UTF-8 cannot carry).
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

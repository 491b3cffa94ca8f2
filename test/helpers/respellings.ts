const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Every other spelling of the same bytes in base64url (RFC 4648 §3.5): the last character's low
 * bits are padding a lenient decoder ignores, so setting any of them spells the same value.
 */
export function respellings(text: string, bytes: number): string[] {
  const padBits = text.length * 6 - bytes * 8;
  const last = ALPHABET.indexOf(text.at(-1) ?? '');
  if (last < 0 || padBits <= 0) return [];
  const spellings: string[] = [];
  for (let pad = 1; pad < 1 << padBits; pad++) spellings.push(`${text.slice(0, -1)}${ALPHABET[last | pad] ?? ''}`);
  return spellings;
}

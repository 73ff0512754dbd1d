// The Indonesian forms under which a word is indexed and looked up on SQLite, so that "ongkirnya" finds "ongkir" and
// "pembayarannya" finds "membayar", as PostgreSQL's `indonesian` configuration does there. English needs nothing here:
// the SQLite index's own tokenizer (porter) stems English on both sides already.
import { stemmer as snowballIndonesian } from '@orama/stemmers/indonesian';

// The Snowball Indonesian stemmer is the one PostgreSQL ships, so both backends stem alike. It drops the nasal prefix
// meN-/peN- without restoring the first letter it swallowed (Nazief–Adriani's "recoding"): "pengiriman" becomes
// "irim" while "kirim" and "dikirim" stay "kirim". Without a dictionary the swallowed letter cannot be known, so the
// likely one is added as another form: k after meng-/peng-, t after men-/pen-, p after mem-/pem-.
const RECODING: [prefix: RegExp, letter: string][] = [
  [/^[mp]eng[aiueo]/, 'k'],
  [/^[mp]en[aiueo]/, 't'],
  [/^[mp]em[aiueo]/, 'p'],
];

const VOWEL_START = /^[aiueo]/;

// Snowball takes the particle (-lah, -kah, -pun) and the possessive (-nya, -ku, -mu) only off words of three syllables
// or more, so "tasnya" and "stoknya", among the words customers write most, stay whole. For a word it leaves whole,
// they are also taken off when a syllable of at least three letters is left.
const PARTICLE = /(?:lah|kah|tah|pun)$/;
const POSSESSIVE = /(?:nya|ku|mu)$/;
const LEFT = /^(?=.{3})[^aiueo]*[aiueo]/;

function withoutClitics(word: string): string {
  let rest = word;
  for (const ending of [PARTICLE, POSSESSIVE]) {
    const shorter = rest.replace(ending, '');
    if (LEFT.test(shorter)) rest = shorter;
  }
  return rest;
}

// A change to what these give is a change to the SQLite index: bump INDEX_FORMAT in store/knowledge.ts with it.

/** The word's forms other than itself (lower-case word in, distinct forms out; often none). */
export function indonesianForms(word: string): string[] {
  const snowball = snowballIndonesian(word);
  const stem = snowball === word ? withoutClitics(word) : snowball;
  const forms = new Set<string>([stem]);
  if (VOWEL_START.test(stem)) {
    for (const [prefix, letter] of RECODING) {
      if (prefix.test(word)) {
        forms.add(letter + stem);
        break;
      }
    }
  }
  forms.delete(word);
  return [...forms].filter((form) => form.length >= 2);
}

/** Every form of every word of a text, beside the text's own words, for indexing. */
export function indonesianFormsOfText(text: string): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [];
  return words.flatMap((word) => (/^\p{L}+$/u.test(word) ? indonesianForms(word) : []));
}

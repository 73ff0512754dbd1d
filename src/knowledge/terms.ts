// The search terms of a message: its words, minus the little words every question has.

const STOPWORDS = new Set(
  (
    'a an and are as at be but by can could did do does for from had has have hello hi how i if in is it its me my ' +
    'no not of on or our please so that the their them then there these they this to us was we what when where which ' +
    'who why will with would you your yours thanks thank ok okay hey want need like get know about any some just ' +
    // Indonesian, the language of most Whatspie users
    'ada adalah apa apakah atau bisa dan dari di dengan ini itu juga ke kak kami kamu mau saya tidak untuk yang ya'
  ).split(' '),
);

export function searchTerms(text: string, max = 12): string[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [];
  return [...new Set(words.filter((w) => !STOPWORDS.has(w)))].slice(0, max);
}

// A prompt file that cannot be used as it is: the message names the file and what to do. At startup it stops the
// server; on a reload the last good version stays in use.
export class PromptFileError extends Error {
  override name = 'PromptFileError';
}

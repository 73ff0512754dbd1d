// Every English string the console shows, kept in one place so that a translation can be added.
export const text = {
  signInTitle: 'Sign in to the console',
  username: 'Username',
  password: 'Password',
  signIn: 'Sign in',
  signOut: 'Sign out',
  wrongPassword: 'Wrong username or password.',
  missingFields: 'Type your username and your password.',
  throttled: (minutes: number) => `Too many wrong passwords. Wait ${minutes} minutes, then try again.`,
  noOperatorsYet: 'No operator account exists yet: create one on the server with "npm run operators -- add NAME".',
} as const;

export type ConsoleText = typeof text;

import { invalidOption } from '@stagepass/protocol';

/** A token, or a function that fetches a fresh one from the app's backend (called at each join and rejoin). */
export type TokenSource = string | (() => string | Promise<string>);

/** The token of a source: the string itself, or what the provider resolves with (checked). */
export async function tokenFrom(source: TokenSource): Promise<string> {
  if (typeof source === 'string') return source;
  const token = await source();
  if (typeof token !== 'string' || token === '')
    throw invalidOption('token', 'provider must resolve with a token string', 'connect');
  return token;
}

import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { StagepassError } from '@stagepass/protocol';
import type { VerificationKeyInput } from '@stagepass/token';

/**
 * What both REST auth profiles (`/v1`'s app JWTs, the OpenTok routes' project JWTs) share: where a
 * request's JWT is read from, and a verifier that one unusable key record cannot lock out.
 */

const BEARER = /^Bearer +([^\s]+) *$/i;

export function authInvalid(message: string): never {
  throw new StagepassError('ERR_AUTH_INVALID', message);
}

/** One header's values, refusing a repeated one: two credentials are one too many. */
function single(req: IncomingMessage, name: string): string | undefined {
  const values = req.headersDistinct[name];
  if (values === undefined) return undefined;
  if (values.length !== 1) authInvalid(`Give the ${name} header once.`);
  return values[0];
}

/**
 * The JWT of `Authorization: Bearer <jwt>` or `X-OPENTOK-AUTH: <jwt>` (as the OpenTok SDKs send it);
 * refused (ERR_AUTH_INVALID) when both, neither (`missing` says what to send) or a malformed one is given.
 * `noun` names the JWT in the messages ("app JWT", "project JWT").
 */
export function presentedJwt(req: IncomingMessage, noun: string, missing: string): string {
  const authorization = single(req, 'authorization');
  const opentok = single(req, 'x-opentok-auth');
  if (authorization !== undefined && opentok !== undefined) {
    authInvalid(`Give the ${noun} in one header: Authorization: Bearer, or X-OPENTOK-AUTH.`);
  }
  if (opentok !== undefined) return opentok.trim();
  if (authorization === undefined) authInvalid(missing);
  const match = BEARER.exec(authorization);
  if (match === null) authInvalid(`The Authorization header must be "Bearer <${noun}>".`);
  return match[1]!;
}

/**
 * `create({ appId, keys })`, and if one key record cannot be imported, the same with the keys that
 * import alone (each skipped one logged as a warning, by App ID and key ID): one bad record must
 * not lock the app out.
 */
export function verifierOfUsableKeys<V>(
  appId: string,
  keys: readonly VerificationKeyInput[],
  create: (input: { appId: string; keys: readonly VerificationKeyInput[] }) => V,
  logger: Logger | undefined,
  noun: string,
): V {
  try {
    return create({ appId, keys });
  } catch {
    const usable = keys.filter((key) => {
      try {
        create({ appId, keys: [key] });
        return true;
      } catch {
        logger?.warn({ appId, kid: key.kid ?? null }, `app key unusable for ${noun}s; skipped`);
        return false;
      }
    });
    return create({ appId, keys: usable });
  }
}

import type { AppKeys, AsymmetricAlgorithm, VerificationKeyInput } from '@stagepass/token';
import type { AppRecord } from './app-record.js';

/**
 * What a token verifier needs of an app: its active keys (retired ones no longer verify) and
 * whether legacy T1 tokens are accepted. Rebuild it when the app's `version` changes.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ apps: registry.listApps().map(toAppKeys) });
 * verifier.setApp(toAppKeys(registry.getApp(appId)!)); // after a rotation
 * ```
 */
export function toAppKeys(app: AppRecord): AppKeys {
  const keys = app.keys
    .filter((key) => key.status === 'active')
    .map((key): VerificationKeyInput =>
      key.secret !== undefined
        ? { kid: key.kid, alg: 'HS256', secret: key.secret }
        : { kid: key.kid, alg: key.alg as AsymmetricAlgorithm, publicKey: key.publicKeyPem! },
    );
  return { appId: app.appId, keys, legacyT1: app.settings.legacyT1 };
}

/**
 * `stagepass serve --dev`: the demo page and `POST /dev/token` for the development app. Kept apart from
 * serve.ts so the gateway's life cycle and the dev mode change independently.
 */
import type { AppRegistry, DevRoutes } from '@stagepass/gateway';
import { UsageError } from '../usage-error.js';

/** The name of the app `--dev` mints tokens for (the one a first start creates). */
export const DEV_APP_NAME = 'Development app';

/** What the gateway mounts in dev mode, and the app it serves. */
export interface DevMode {
  readonly routes: DevRoutes;
  readonly appId: string;
  /** True when this start created the app for --dev (a registry with other apps only). */
  readonly created: boolean;
}

/** Loopback: 127.0.0.0/8, ::1, localhost. Only these keep a token-minting endpoint to this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}

/** `--dev` on another address mints tokens for anyone who can reach it: only with `--dev-allow-remote`. */
export function checkDevHost(host: string, allowRemote: boolean): void {
  if (!isLoopbackHost(host) && !allowRemote)
    throw new UsageError(
      `--dev: POST /dev/token mints tokens for anyone who reaches it, so --dev listens on loopback only (--host 127.0.0.1); add --dev-allow-remote to serve ${host} anyway`,
      '--dev',
    );
}

/** The development app (created when missing) and the routes of the demo page for it. */
export async function prepareDevMode(registry: AppRegistry): Promise<DevMode> {
  const { createDevRoutes } = await import('@stagepass/demo');
  for (const app of registry.listApps()) {
    if (app.name !== DEV_APP_NAME) continue;
    const key = app.keys.find((candidate) => candidate.status === 'active' && candidate.secret !== undefined);
    if (key === undefined) continue;
    return {
      routes: createDevRoutes({ appId: app.appId, secret: key.secret!, kid: key.kid }),
      appId: app.appId,
      created: false,
    };
  }
  const { app, secret } = await registry.createApp({ name: DEV_APP_NAME });
  return {
    routes: createDevRoutes({ appId: app.appId, secret, kid: app.keys[0]!.kid }),
    appId: app.appId,
    created: true,
  };
}

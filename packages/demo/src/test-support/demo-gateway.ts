/** A real gateway on 127.0.0.1, port 0, with the demo routes mounted, an in-memory registry and a clock tests move. */
import { createGateway, createSqliteAppRegistry, type Gateway, type GatewayOptions } from '@stagepass/gateway';
import { createDevRoutes } from '../dev-routes.js';

export interface DemoGateway {
  readonly gateway: Gateway;
  readonly appId: string;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** Moves the gateway's wall clock (token times) by this much from now on. */
  setClockSkew(ms: number): void;
  close(): Promise<void>;
}

/** `extra`: more gateway options (e.g. iceServers and turnSecret for the TURN test). */
export async function startDemoGateway(extra: Partial<Omit<GatewayOptions, 'registry'>> = {}): Promise<DemoGateway> {
  const registry = createSqliteAppRegistry({ path: ':memory:' });
  const { app, secret } = registry.createApp({ name: 'Development app' });
  let skewMs = 0;
  const gateway = createGateway({
    registry,
    port: 0,
    dev: createDevRoutes({ appId: app.appId, secret, kid: app.keys[0]!.kid }),
    now: () => Date.now() + skewMs,
    clockTolerance: 0,
    ...extra,
  });
  const { port } = await gateway.listen();
  return {
    gateway,
    appId: app.appId,
    url: `http://127.0.0.1:${port}`,
    setClockSkew(ms) {
      skewMs = ms;
    },
    async close() {
      await gateway.close({ drainMs: 1000 });
      registry.close();
    },
  };
}

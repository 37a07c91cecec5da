/**
 * The real `opentok` SDK (CommonJS, untyped: the few methods the tests call, typed here) and a
 * promise wrapper of its callbacks; `@vonage/video` is imported directly (it has its own types).
 */
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Joined, TestGateway } from '../../../test-support/test-gateway.js';

const require = createRequire(import.meta.url);

type Callback<T> = (err: Error | null, value?: T) => void;

export interface OpenTokStream {
  readonly id: string;
  readonly name: string;
  readonly videoType: string;
  readonly layoutClassList: readonly string[];
}

export interface OpenTokSdk {
  createSession(options: Record<string, unknown>, cb: Callback<{ sessionId: string }>): void;
  generateToken(sessionId: string, options?: Record<string, unknown>): string;
  signal(sessionId: string, connectionId: string | null, payload: unknown, cb: Callback<void>): void;
  forceDisconnect(sessionId: string, connectionId: string, cb: Callback<void>): void;
  forceMuteStream(sessionId: string, streamId: string, cb: Callback<unknown>): void;
  forceMuteAll(sessionId: string, options: Record<string, unknown>, cb: Callback<unknown>): void;
  disableForceMute(sessionId: string, cb: Callback<unknown>): void;
  listStreams(sessionId: string, cb: Callback<OpenTokStream[]>): void;
  getStream(sessionId: string, streamId: string, cb: Callback<OpenTokStream>): void;
  setStreamClassLists(sessionId: string, items: unknown[], cb: Callback<unknown>): void;
  startArchive(sessionId: string, options: Record<string, unknown>, cb: Callback<unknown>): void;
  listArchives(options: Record<string, unknown>, cb: Callback<unknown>): void;
  startBroadcast(sessionId: string, options: Record<string, unknown>, cb: Callback<unknown>): void;
  dial(sessionId: string, token: string, sipUri: string, options: Record<string, unknown>, cb: Callback<unknown>): void;
  playDTMF(sessionId: string, connectionId: string | null, digits: string, cb: Callback<unknown>): void;
  websocketConnect(
    sessionId: string,
    token: string,
    uri: string,
    options: Record<string, unknown>,
    cb: Callback<unknown>,
  ): void;
  startCaptions(sessionId: string, token: string, options: Record<string, unknown>, cb: Callback<unknown>): void;
  startRender(options: Record<string, unknown>, cb: Callback<unknown>): void;
}

export const OpenTok = require('opentok') as new (
  apiKey: string,
  apiSecret: string,
  env?: { apiUrl: string },
) => OpenTokSdk;

/** Calls one opentok method by its callback, as a promise. */
export function call<T>(fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((err, value) => (err ? reject(err) : resolve(value as T)));
  });
}

/** The error a promise rejects with (fails when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<Error & { response?: { status: number } }> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure, got a result');
}

/** An RSA key pair as a Vonage application has (PEM: SPKI public, PKCS#8 private). */
export function vonageKeys(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** A client joined through the real gateway with a token an SDK minted. */
export function joinWith(tg: TestGateway, sessionId: string, token: string, appId: string): Promise<Joined> {
  return tg.join(sessionId, { token, urlAppId: appId });
}

/** Publishes a camera stream (audio and video on); resolves with its stream ID. */
export async function publish(joined: Joined, name: string): Promise<string> {
  const reply = await joined.client.request({ type: 'publish', name, hasAudio: true, hasVideo: true });
  if (reply.type !== 'ack') throw new Error(`publish refused: ${JSON.stringify(reply)}`);
  return (reply as unknown as { result: { streamId: string } }).result.streamId;
}

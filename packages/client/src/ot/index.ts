/**
 * `@stagepass/client/ot`: an OpenTok.js-shaped facade over `@stagepass/client`, so a page written against
 * OpenTok.js runs against a Stagepass gateway with its script tag swapped and `{ url }` added to `OT.initSession`.
 * See docs/client-ot.md.
 */
import { ExceptionCodes, OTError } from './ot-errors.js';
import { otExceptions } from './ot-exceptions.js';
import { Capabilities, Connection, Stream } from './ot-model.js';
import { Publisher, initPublisher } from './ot-publisher.js';
import { Session, type InitSessionOptions } from './ot-session.js';
import { Subscriber } from './ot-subscriber.js';

export { ExceptionCodes, OTError, OT_ERROR_NAMES, otNameAndCode, toOTError } from './ot-errors.js';
export type { OTErrorName, OTAction, CompletionHandler } from './ot-errors.js';
export { OTEvent, OTEventEmitter } from './ot-events.js';
export type { OTHandler, OTHandlerMap } from './ot-events.js';
export type * from './ot-event-types.js';
export type { OTGlobalEvents } from './ot-exceptions.js';
export { Capabilities, Connection, Stream } from './ot-model.js';
export type { CapabilityAction } from './ot-model.js';
export { Publisher, initPublisher } from './ot-publisher.js';
export type { PublisherProperties, PublisherEvents, PublishToggle, InitPublisher } from './ot-publisher.js';
export { Subscriber } from './ot-subscriber.js';
export type { SubscriberProperties, SubscriberEvents } from './ot-subscriber.js';
export { Session } from './ot-session.js';
export type {
  InitSessionOptions,
  SessionEvents,
  SignalOptions,
  SessionConnect,
  SessionPublish,
  SessionSubscribe,
} from './ot-session.js';
export type { OTDisconnectReason, OTStreamDestroyedReason } from './ot-reasons.js';
export type { WidgetProperties } from './ot-widget.js';

/**
 * A session object for `sessionId` of the app `apiKey` (the Stagepass App ID) on the gateway at `options.url`.
 * Nothing is sent until `session.connect(token)`.
 *
 * @example
 * ```js
 * const session = OT.initSession(apiKey, sessionId, { url: 'wss://video.example.com' });
 * ```
 */
export function initSession(apiKey: string | number, sessionId: string, options: InitSessionOptions): Session {
  const invalid = (what: string) =>
    new OTError('OT_INVALID_PARAMETER', `OT.initSession: ${what}`, ExceptionCodes.INVALID_PARAMETER);
  if ((typeof apiKey !== 'string' && typeof apiKey !== 'number') || String(apiKey) === '')
    throw invalid('apiKey must be the app ID (a non-empty string).');
  if (typeof sessionId !== 'string' || sessionId === '') throw invalid('sessionId must be a non-empty string.');
  if (options === null || typeof options !== 'object' || typeof options.url !== 'string' || options.url === '')
    throw invalid("options.url must be your Stagepass gateway's URL, e.g. { url: 'wss://video.example.com' }.");
  return new Session(String(apiKey), sessionId, options);
}

/** 1 when this browser has what the facade needs (WebSocket, RTCPeerConnection, getUserMedia), else 0. */
export function checkSystemRequirements(): 0 | 1 {
  const g = globalThis as { WebSocket?: unknown; RTCPeerConnection?: unknown; navigator?: Navigator };
  return typeof g.WebSocket === 'function' &&
    typeof g.RTCPeerConnection === 'function' &&
    typeof g.navigator?.mediaDevices?.getUserMedia === 'function'
    ? 1
    : 0;
}

/** An audio or video input, as `OT.getDevices` lists it. */
export interface Device {
  readonly kind: 'audioInput' | 'videoInput';
  readonly deviceId: string;
  readonly label: string;
}

/** The cameras and microphones (labels are empty until the page was granted access once). */
export async function getDevices(
  callback?: (error: OTError | undefined, devices?: Device[]) => void,
): Promise<Device[]> {
  try {
    const all = await navigator.mediaDevices.enumerateDevices();
    const devices: Device[] = all
      .filter((d) => d.kind === 'audioinput' || d.kind === 'videoinput')
      .map((d) => ({
        kind: d.kind === 'audioinput' ? 'audioInput' : 'videoInput',
        deviceId: d.deviceId,
        label: d.label,
      }));
    callback?.(undefined, devices);
    return devices;
  } catch (err) {
    const error = new OTError('OT_NOT_SUPPORTED', `OT.getDevices: ${String(err)}`, ExceptionCodes.JS_EXCEPTION, err);
    callback?.(error);
    throw error;
  }
}

/** Accepted for OpenTok.js pages and ignored: the facade logs nothing but errors. */
export function setLogLevel(_level: number): void {}

/** `OT.on('exception', handler)`. */
export const on = otExceptions.on.bind(otExceptions) as typeof otExceptions.on;
export const once = otExceptions.once.bind(otExceptions) as typeof otExceptions.once;
export const off = otExceptions.off.bind(otExceptions) as typeof otExceptions.off;

/** Everything, as the `OT` of OpenTok.js (`import OT from '@stagepass/client/ot'`, or the global of the script build). */
export const OT = Object.freeze({
  initSession,
  initPublisher,
  checkSystemRequirements,
  getDevices,
  setLogLevel,
  on,
  once,
  off,
  ExceptionCodes,
  OTError,
  Session,
  Publisher,
  Subscriber,
  Connection,
  Stream,
  Capabilities,
  NONE: 0,
  ERROR: 1,
  WARN: 2,
  INFO: 3,
  LOG: 4,
  DEBUG: 5,
});

export default OT;

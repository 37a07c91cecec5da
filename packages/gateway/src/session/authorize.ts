import { REQUEST_CAPABILITY, type Capability, type ClientRequest } from '@stagepass/protocol';
import type { AdmittedClient } from './session-service.js';

/**
 * Whether the client's role may make this request: the capability it lacks, or null when it may.
 * Pure: the capability table (`REQUEST_CAPABILITY`) and the client's granted capabilities only;
 * the session boundary (IDs of another session are unknown) is the state's to check.
 *
 * @example
 * ```ts
 * authorize(subscriberClient, { type: 'publish', hasAudio: true, hasVideo: true });   // 'publish'
 * authorize(subscriberClient, { type: 'signal', data: 'hi' });                         // null
 * ```
 */
export function authorize(
  client: Pick<AdmittedClient, 'capabilities'>,
  request: Pick<ClientRequest, 'type'>,
): Capability | null {
  const capability = REQUEST_CAPABILITY[request.type];
  return capability !== null && !client.capabilities[capability] ? capability : null;
}

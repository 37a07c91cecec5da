import type { ConnectionDestroyedReason, StreamDestroyedReason } from '@stagepass/protocol';
import type { DisconnectReason } from '../close-reason.js';

/** `sessionDisconnected`'s and `connectionDestroyed`'s `reason`, in OpenTok.js's words. */
export type OTDisconnectReason = 'clientDisconnected' | 'forceDisconnected' | 'networkDisconnected';

/** `streamDestroyed`'s `reason` (`unpublished` only on the Publisher's own event). */
export type OTStreamDestroyedReason = OTDisconnectReason | 'forceUnpublished' | 'unpublished';

/**
 * Why this client left, in OpenTok.js's three words. The app's backend ending it (revoked or expired token) is
 * `forceDisconnected`; a gateway that stopped or closed it for an error is `networkDisconnected`.
 */
export function otSessionReason(reason: DisconnectReason): OTDisconnectReason {
  switch (reason) {
    case 'clientDisconnected':
      return 'clientDisconnected';
    case 'forceDisconnected':
    case 'tokenRevoked':
    case 'tokenExpired':
      return 'forceDisconnected';
    default:
      return 'networkDisconnected';
  }
}

/** Why another connection left (`whileReconnecting`: while this client was away, so by the network as far as it knows). */
export function otConnectionReason(reason: ConnectionDestroyedReason | 'whileReconnecting'): OTDisconnectReason {
  switch (reason) {
    case 'clientDisconnected':
    case 'forceDisconnected':
      return reason;
    case 'tokenExpired':
      return 'forceDisconnected';
    default:
      return 'networkDisconnected';
  }
}

/**
 * Why a stream ended. `connectionClosed` takes the reason its connection left with (`connectionReason`); a stream
 * unpublished by its own client is `clientDisconnected` for the others and `unpublished` for its Publisher.
 */
export function otStreamReason(
  reason: StreamDestroyedReason | 'whileReconnecting',
  local: boolean,
  connectionReason: OTDisconnectReason = 'clientDisconnected',
): OTStreamDestroyedReason {
  switch (reason) {
    case 'unpublished':
      return local ? 'unpublished' : 'clientDisconnected';
    case 'forceUnpublished':
      return 'forceUnpublished';
    case 'connectionClosed':
      return connectionReason;
    default:
      return 'networkDisconnected';
  }
}

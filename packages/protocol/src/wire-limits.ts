/**
 * Limits of the wire protocol, enforced by the gateway's validator and documented in docs/protocol.md
 * (tests keep the two in step). A client may check them first to refuse locally.
 *
 * @example
 * ```ts
 * import { wireLimits, utf8Length } from '@stagepass/protocol';
 * if (utf8Length(data) > wireLimits.MAX_SIGNAL_DATA_BYTES) throw new RangeError('signal data over 8 KiB');
 * ```
 */

/** App IDs (in the connect URL, tokens and REST paths): 1–256 printable ASCII characters without spaces. */
export const MAX_APP_ID_LENGTH = 256;
/** Session IDs (in the connect URL and tokens): 1–512 printable ASCII characters without spaces. */
export const MAX_SESSION_ID_LENGTH = 512;

/** Signal type: at most 128 characters of A–Z a–z 0–9 - _ ~ */
export const MAX_SIGNAL_TYPE_LENGTH = 128;
/** A whole signal type: 0–128 of those characters (absent or `""` is the default type). */
export const SIGNAL_TYPE_PATTERN = /^[A-Za-z0-9_~-]{0,128}$/;
/** Signal data: at most 8 KiB once UTF-8 encoded. */
export const MAX_SIGNAL_DATA_BYTES = 8192;
/** Recipients of one signal when given as a list. */
export const MAX_SIGNAL_RECIPIENTS = 1000;
/** Stream name: at most 256 characters. */
export const MAX_STREAM_NAME_LENGTH = 256;
/** Connection, stream and subscription IDs: 1–64 printable ASCII characters. */
export const MAX_ID_LENGTH = 64;
/** Streams excluded from forceMuteAll. */
export const MAX_EXCLUDED_STREAMS = 1000;
/** Request IDs: integers 0 … 2^31 − 1, chosen by the client, echoed in ack/error. */
export const MAX_REQUEST_ID = 2 ** 31 - 1;
/**
 * Nesting of a `webrtc` payload: the payload object is level 1, each object or array inside it one more. Deeper
 * payloads are refused at the edge (a relay re-serialises the payload, and JSON.stringify recurses).
 */
export const MAX_PAYLOAD_DEPTH = 32;

import type { IncomingMessage } from 'node:http';
import { StagepassError } from '@stagepass/protocol';
import { HttpRefusal } from './rest-routes.js';
import type { JsonBody } from './parse-rest-body.js';

const JSON_MEDIA_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** True when the request announces a body (a length above 0, or a transfer coding). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function tooLarge(maxBytes: number): StagepassError {
  return new StagepassError('ERR_MESSAGE_TOO_LARGE', `The body is larger than ${maxBytes} bytes.`);
}

/** Reads the whole body (any media type), refusing it as soon as it passes `maxBytes`: the rest is never buffered. */
export function readLimited(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    // The client went away mid-body: nobody will read the answer, but the log will say 400.
    const onError = () => {
      cleanup();
      reject(new StagepassError('ERR_MESSAGE_INVALID', 'The request body ended early.'));
    };
    const onClose = onError;
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * Reads a request's JSON body: `content-type: application/json` (415 otherwise), at most
 * `maxBytes` (413 from the `content-length` alone when it says so, else as soon as the count
 * passes it), valid UTF-8 and JSON, and a JSON object (400 ERR_MESSAGE_INVALID otherwise).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<JsonBody> {
  const type = req.headers['content-type'];
  if (type === undefined || !JSON_MEDIA_TYPE.test(type)) {
    throw new HttpRefusal(
      415,
      'ERR_MESSAGE_INVALID',
      'The body must be JSON, sent with content-type: application/json.',
    );
  }
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readLimited(req, maxBytes);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new StagepassError('ERR_MESSAGE_INVALID', 'The body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new StagepassError('ERR_MESSAGE_INVALID', 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StagepassError('ERR_MESSAGE_INVALID', 'The body must be a JSON object.');
  }
  return value as JsonBody;
}

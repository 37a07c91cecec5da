/** The facade's pure parts: the emitter's OpenTok.js semantics, the reason and error tables (and their doc table). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { StagepassError } from '@stagepass/protocol';
import { OT_ERROR_NAMES, otNameAndCode, toOTError } from './ot-errors.js';
import { OTEventEmitter, createEvent } from './ot-events.js';
import { otConnectionReason, otSessionReason, otStreamReason } from './ot-reasons.js';

interface Events {
  a: ReturnType<typeof createEvent<'a', unknown, { n: number }>>;
  b: ReturnType<typeof createEvent<'b', unknown, { n: number }>>;
}
class Emitter extends OTEventEmitter<Events> {}

describe('OTEventEmitter', () => {
  it('on with a context, space-separated types and maps; once; off by type, handler and context; chainable', () => {
    const e = new Emitter();
    const calls: string[] = [];
    const ctx1 = { id: 'c1' };
    const ctx2 = { id: 'c2' };
    function handler(this: { id: string }, event: { type: string }) {
      calls.push(`${this.id}:${event.type}`);
    }
    assert.equal(e.on('a b', handler, ctx1).on({ a: handler }, ctx2), e);
    e.once('b', () => calls.push('once'));
    e.dispatch(createEvent('a', e, { n: 1 }));
    e.dispatch(createEvent('b', e, { n: 2 }));
    e.dispatch(createEvent('b', e, { n: 3 }));
    assert.deepEqual(calls, ['c1:a', 'c2:a', 'c1:b', 'once', 'c1:b']);
    calls.length = 0;
    e.off('a', handler, ctx2);
    e.dispatch(createEvent('a', e, { n: 4 }));
    assert.deepEqual(calls, ['c1:a']);
    e.off('a', handler);
    e.off({ b: handler }, ctx1);
    e.dispatch(createEvent('a', e, { n: 5 }));
    e.dispatch(createEvent('b', e, { n: 6 }));
    assert.deepEqual(calls, ['c1:a']);
    e.on('a', handler, ctx1).off();
    e.dispatch(createEvent('a', e, { n: 7 }));
    assert.deepEqual(calls, ['c1:a']);
  });

  it('preventDefault stops the default action of a cancelable event only; a throwing handler does not stop the others', () => {
    const e = new Emitter();
    let defaults = 0;
    // The emitter rethrows a handler's error on a microtask: catch what it queues.
    const thrown: unknown[] = [];
    const queue = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (task) => thrown.push(task);
    try {
      e.on('a', () => {
        throw new Error('boom');
      });
      e.on('a', (event) => event.preventDefault());
      e.dispatch(createEvent('a', e, { n: 1 }, true), () => defaults++);
      e.dispatch(createEvent('a', e, { n: 2 }, false), () => defaults++);
    } finally {
      globalThis.queueMicrotask = queue;
    }
    assert.equal(defaults, 1, 'prevented when cancelable, run when not');
    assert.equal(thrown.length, 2);
  });
});

describe('OpenTok.js reasons', () => {
  it('sessionDisconnected, connectionDestroyed and streamDestroyed reasons', () => {
    assert.deepEqual(
      (
        [
          'clientDisconnected',
          'forceDisconnected',
          'tokenRevoked',
          'tokenExpired',
          'networkDisconnected',
          'serverShutdown',
          'error',
        ] as const
      ).map(otSessionReason),
      [
        'clientDisconnected',
        'forceDisconnected',
        'forceDisconnected',
        'forceDisconnected',
        'networkDisconnected',
        'networkDisconnected',
        'networkDisconnected',
      ],
    );
    assert.deepEqual(
      (
        ['clientDisconnected', 'forceDisconnected', 'networkDisconnected', 'tokenExpired', 'whileReconnecting'] as const
      ).map(otConnectionReason),
      ['clientDisconnected', 'forceDisconnected', 'networkDisconnected', 'forceDisconnected', 'networkDisconnected'],
    );
    assert.equal(otStreamReason('unpublished', true), 'unpublished');
    assert.equal(otStreamReason('unpublished', false), 'clientDisconnected');
    assert.equal(otStreamReason('forceUnpublished', false), 'forceUnpublished');
    assert.equal(otStreamReason('connectionClosed', false, 'forceDisconnected'), 'forceDisconnected');
    assert.equal(otStreamReason('whileReconnecting', false), 'networkDisconnected');
  });
});

describe('OpenTok.js error names and codes', () => {
  it('docs/client-ot.md lists exactly the table of the code', () => {
    const doc = readFileSync(new URL('../../../../docs/client-ot.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \| `(OT_[A-Z_]+)`/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(rows, Object.entries(OT_ERROR_NAMES));
  });

  it('codes by action, as OpenTok.js', () => {
    assert.deepEqual(otNameAndCode('ERR_TOKEN_EXPIRED', 'connect'), { name: 'OT_AUTHENTICATION_ERROR', code: 1004 });
    assert.deepEqual(otNameAndCode('ERR_NOT_CONNECTED', 'connect'), { name: 'OT_CONNECT_FAILED', code: 1006 });
    assert.deepEqual(otNameAndCode('ERR_ORIGIN_NOT_ALLOWED', 'connect'), { name: 'OT_CONNECT_FAILED', code: 1007 });
    assert.deepEqual(otNameAndCode('ERR_SESSION_FULL', 'connect'), {
      name: 'OT_CONNECTION_LIMIT_EXCEEDED',
      code: 1027,
    });
    assert.deepEqual(otNameAndCode('ERR_CAPABILITY_DENIED', 'publish'), { name: 'OT_PERMISSION_DENIED', code: 1500 });
    assert.deepEqual(otNameAndCode('ERR_CAPABILITY_DENIED', 'forceDisconnect'), {
      name: 'OT_PERMISSION_DENIED',
      code: 1520,
    });
    assert.deepEqual(otNameAndCode('ERR_NOT_FOUND', 'subscribe'), { name: 'OT_STREAM_NOT_FOUND', code: 1501 });
    assert.deepEqual(otNameAndCode('ERR_RATE_LIMITED', 'signal'), { name: 'OT_RATE_LIMIT_EXCEEDED', code: 429 });
    assert.deepEqual(otNameAndCode('ERR_NOT_FOUND', 'signal'), { name: 'OT_NOT_FOUND', code: 404 });
    assert.deepEqual(otNameAndCode('ERR_INTERNAL', 'forceMute'), { name: 'OT_UNEXPECTED_SERVER_RESPONSE', code: 2001 });
    const denied = toOTError(new DOMException('no', 'NotAllowedError'), 'publish');
    assert.deepEqual([denied.name, denied.code], ['OT_USER_MEDIA_ACCESS_DENIED', 1500]);
    const mapped = toOTError(new StagepassError('ERR_TOO_MANY_STREAMS', 'too many'), 'publish');
    assert.deepEqual(
      [mapped.name, mapped.code, mapped.stagepassCode, mapped.message],
      ['OT_STREAM_LIMIT_EXCEEDED', 1605, 'ERR_TOO_MANY_STREAMS', 'too many'],
    );
  });
});

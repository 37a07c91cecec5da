/**
 * The routed negotiation of docs/protocol.md "Routed media" as a test's werift peers do it over a
 * {@link TestClient}: publish and offer the upload, subscribe and answer the gateway's offer, and the
 * candidates of the gateway's SDP.
 */
import assert from 'node:assert/strict';
import type { TestClient } from './test-client.js';
import type { Joined } from './test-gateway.js';
import type { FakePublisher, FakeSubscriber } from './werift-peers.js';

export async function ack(client: TestClient, message: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await client.request(message);
  assert.equal(reply.type, 'ack', `expected an ack, got ${JSON.stringify(reply)}`);
  return (reply as { result: Record<string, unknown> }).result;
}

export async function refusal(client: TestClient, message: Record<string, unknown>): Promise<string> {
  const reply = await client.request(message);
  assert.equal(reply.type, 'error', `expected a refusal, got ${JSON.stringify(reply)}`);
  return (reply as { code: string }).code;
}

/** The address and port of each distinct candidate of an SDP (a bundled one lists them in every m-section). */
export function candidatesOf(sdp: unknown): { address: string; port: number }[] {
  const found = [...String(sdp).matchAll(/^a=candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ/gim)];
  const distinct = new Set(found.map((m) => `${m[1]} ${m[2]}`));
  return [...distinct].map((text) => {
    const [address, port] = text.split(' ') as [string, string];
    return { address, port: Number(port) };
  });
}

/** Publishes and negotiates the stream's upload; the publisher then sends. */
export async function publishRouted(who: Joined, publisher: FakePublisher): Promise<string> {
  const streamId = (await ack(who.client, { type: 'publish', hasAudio: true, hasVideo: true })).streamId as string;
  await ack(who.client, { type: 'webrtc', streamId, kind: 'offer', payload: await publisher.offer() });
  const answer = await who.client.next('webrtc', (m) => m.streamId === streamId, 5000);
  assert.equal(answer.from, null, "the gateway's own answer");
  assert.equal(answer.kind, 'answer');
  await publisher.accept(answer.payload);
  publisher.start();
  return streamId;
}

/** Subscribes and answers the gateway's offer of the subscription's download. */
export async function subscribeRouted(who: Joined, streamId: string, subscriber: FakeSubscriber): Promise<string> {
  const subscriptionId = (await ack(who.client, { type: 'subscribe', streamId })).subscriptionId as string;
  const offer = await who.client.next('webrtc', (m) => m.subscriptionId === subscriptionId, 5000);
  assert.equal(offer.from, null, "the gateway's own offer");
  assert.equal(offer.kind, 'offer');
  await ack(who.client, {
    type: 'webrtc',
    subscriptionId,
    kind: 'answer',
    payload: await subscriber.answer(offer.payload),
  });
  return subscriptionId;
}

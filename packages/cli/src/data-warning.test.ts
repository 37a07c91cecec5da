import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { personalDataWarning } from './data-warning.js';

const EMAIL_WARNING =
  'warning: --data looks like an e-mail address; connection data is shown to everyone in the session: never put personal data in clear';
const PHONE_WARNING =
  'warning: --data looks like a phone number; connection data is shown to everyone in the session: never put personal data in clear';

describe('personalDataWarning', () => {
  const emails = [
    'alice@example.com',
    'name:bob,email:bob@x.io',
    '{"mail":"first.last+tag@sub.example.co.uk"}',
    'ALICE@EXAMPLE.ORG',
  ];
  for (const data of emails) {
    it(`warns on an e-mail address: ${data}`, () => assert.equal(personalDataWarning(data), EMAIL_WARNING));
  }
  const phones = [
    '+1 415 555 0100',
    'tel=+14155550100',
    '+44 20 7946 0958',
    'phone:415-555-0100',
    '(415) 555 0100',
    '+1 (415) 555-0100',
    '020 7946 0958',
  ];
  for (const data of phones) {
    it(`warns on a phone number: ${data}`, () => assert.equal(personalDataWarning(data), PHONE_WARNING));
  }
  const harmless = [
    'user=42',
    'room-1234',
    'userId=123456789',
    '{"userId":"u_1700000000123"}',
    '2024-01-15',
    '2024-01-15T10:20:30Z',
    '192.168.0.1',
    '10.20.300.400',
    '@handle',
    'team@',
    'a@b',
    'user@localhost',
    'role:host,seat:12',
    '123e4567-e89b-12d3-a456-426614174000',
    'v1.2.3',
    'score=+12',
    'ticket #4711',
    '',
  ];
  for (const data of harmless) {
    it(`stays quiet on ${JSON.stringify(data)}`, () => assert.equal(personalDataWarning(data), undefined));
  }
});

import { describe, expect, it } from 'vitest';
import { joinHash, parseJoinHash } from '../../src/ui/join/joinLink';

describe('join links', () => {
  it('round-trip a run, its WebSocket server and the student login, escaped', () => {
    const link = { run: 'class-1', url: 'wss://teacher.local:8443', user: 'student', pass: 'p&ss=wörd' };
    const hash = joinHash(link);
    expect(hash).toMatch(/^#join=class-1&nats=wss%3A%2F%2Fteacher.local%3A8443/);
    expect(parseJoinHash(hash)).toEqual(link);
  });

  it('leave other hashes to the lab and name what is wrong with a broken link', () => {
    expect(parseJoinHash('#rho=0.5&_open=inspector')).toBeNull();
    expect(parseJoinHash('')).toBeNull();
    expect(parseJoinHash('#join=a b&nats=ws://h:1')).toMatch(/run name/);
    expect(parseJoinHash('#join=ok&nats=http://h:1')).toMatch(/ws:\/\//);
  });
});

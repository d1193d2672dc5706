// The agent-key cache: keys missing from it at once are found in one lookup, and then served from it.
import { describe, expect, test } from 'bun:test';
import type { CachedAgentKey } from '../deps';
import { AGENT_KEY_HEADER } from '../contract';
import { AGENT_KEY_PREFIX } from '../clusters/enrollment';
import { sha256Hex } from '../security/secrets';
import { createAgentKeyCache, knownAgentKey, subscribeRetiredKeys } from './auth';
import type { Bus } from '../db/bus';
import { retiredKeyPayload } from '../clusters/store';

const keyOf = (id: string): CachedAgentKey => ({ cluster: { id, orgId: 'org', name: `cluster-${id}` }, hash: `hash-${id}` });

describe('agent keys', () => {
  test('misses in the same turn share one lookup; found keys are cached, unknown ones are not', async () => {
    const cache = createAgentKeyCache();
    const lookups: string[][] = [];
    const load = async (ids: string[]): Promise<Map<string, CachedAgentKey>> => {
      lookups.push(ids);
      return new Map(ids.filter((id) => id !== 'unknown').map((id) => [id, keyOf(id)]));
    };
    const found = await Promise.all(['a', 'b', 'a', 'unknown', 'c'].map((id) => cache.find(id, load)));
    expect(lookups).toEqual([['a', 'b', 'unknown', 'c']]);
    expect(found.map((k) => k?.cluster.name ?? null)).toEqual(['cluster-a', 'cluster-b', 'cluster-a', null, 'cluster-c']);
    expect((await cache.find('b', load))?.hash).toBe('hash-b');
    expect(await cache.find('unknown', load)).toBeNull();
    expect(lookups).toEqual([['a', 'b', 'unknown', 'c'], ['unknown']]);
  });

  test('a key found before is recalled however old, until it is forgotten; only its own secret matches it', async () => {
    const cache = createAgentKeyCache();
    const publicId = 'abcdefghijkl';
    const secret = 'A'.repeat(43);
    cache.set(publicId, { cluster: { id: 'c', orgId: 'o', name: 'n' }, hash: sha256Hex(secret) }, 0);
    const request = (key: string): Request => new Request('http://niro.test/', { headers: { [AGENT_KEY_HEADER]: key } });
    expect(cache.get(publicId, 5 * 60_000 - 1)).not.toBeNull();
    expect(cache.get(publicId, 5 * 60_000)).toBeNull();
    expect(knownAgentKey(cache, request(`${AGENT_KEY_PREFIX}_${publicId}_${secret}`))).toBe(true);
    expect(knownAgentKey(cache, request(`${AGENT_KEY_PREFIX}_${publicId}_${'B'.repeat(43)}`))).toBe(false);
    cache.forget(publicId);
    expect(knownAgentKey(cache, request(`${AGENT_KEY_PREFIX}_${publicId}_${secret}`))).toBe(false);
  });

  test('a retired key is forgotten when its notification comes; when notifications may have been missed, every key is', async () => {
    const cache = createAgentKeyCache();
    // The bus as the replica sees it: the channel's handler and the call it makes after listening again.
    let deliver: (payload: string) => void = () => {};
    let missed: () => void = () => {};
    const bus: Bus = {
      publish: async () => {},
      subscribe: async (_channel, onMessage, onMissed) => {
        deliver = onMessage;
        missed = onMissed ?? (() => {});
        return async () => {};
      },
    };
    await subscribeRetiredKeys(bus, cache);
    for (const id of ['a', 'b', 'c']) cache.set(id, keyOf(id), 0);
    deliver(retiredKeyPayload({ key: 'a', cluster: 'a' }));
    expect(['a', 'b', 'c'].map((id) => cache.get(id, 1) !== null)).toEqual([false, true, true]);
    missed();
    expect(['a', 'b', 'c'].map((id) => cache.recall(id))).toEqual([null, null, null]);
  });

  test('a failed lookup fails every request waiting on it, and the next one asks again', async () => {
    const cache = createAgentKeyCache();
    let fail = true;
    const load = async (ids: string[]): Promise<Map<string, CachedAgentKey>> => {
      if (fail) throw new Error('database down');
      return new Map(ids.map((id) => [id, keyOf(id)]));
    };
    const waiting = ['a', 'b'].map((id) =>
      cache.find(id, load).then(
        () => 'found',
        (e: Error) => e.message,
      ),
    );
    expect(await Promise.all(waiting)).toEqual(['database down', 'database down']);
    fail = false;
    expect((await cache.find('a', load))?.cluster.id).toBe('a');
  });
});

// The agent-key cache: keys missing from it at once are found in one lookup, and then served from it.
import { describe, expect, test } from 'bun:test';
import type { CachedAgentKey } from '../deps';
import { AGENT_KEY_HEADER } from '../contract';
import { AGENT_KEY_PREFIX } from '../clusters/enrollment';
import { sha256Hex } from '../security/secrets';
import { createAgentKeyCache, knownAgentKey } from './auth';

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
    expect(cache.get(publicId, 60_000)).toBeNull();
    expect(knownAgentKey(cache, request(`${AGENT_KEY_PREFIX}_${publicId}_${secret}`))).toBe(true);
    expect(knownAgentKey(cache, request(`${AGENT_KEY_PREFIX}_${publicId}_${'B'.repeat(43)}`))).toBe(false);
    cache.forget(publicId);
    expect(knownAgentKey(cache, request(`${AGENT_KEY_PREFIX}_${publicId}_${secret}`))).toBe(false);
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

// Checks Kubernetes quantity parsing: suffixes, exponents, decimals and Kubernetes' round-up.
import { describe, expect, test } from 'bun:test';
import { parseBytes, parseCpuMilli, parseQuantityScaled } from './quantity.ts';

describe('cpu in millicores', () => {
  const cases: [string, number][] = [
    ['100m', 100],
    ['1', 1000],
    ['1.5', 1500],
    ['0.1', 100],
    ['.25', 250],
    ['2000m', 2000],
    ['120384731n', 121], // metrics-server style, rounded up like MilliValue()
    ['500u', 1],
    ['0', 0],
  ];
  for (const [quantity, milli] of cases) test(quantity, () => expect(parseCpuMilli(quantity)).toBe(milli));
});

describe('bytes', () => {
  const cases: [string, number][] = [
    ['128Mi', 134_217_728],
    ['1Gi', 1_073_741_824],
    ['1.5Gi', 1_610_612_736],
    ['500M', 500_000_000],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1e+3', 1000],
    ['12345', 12345],
    ['1k', 1000],
    ['1Ki', 1024],
    ['301256Ki', 308_486_144],
    ['1Ti', 1_099_511_627_776],
    ['2E', 2e18], // "E" alone is exa, not an exponent
    ['0.5Ki', 512],
    ['100m', 1], // a tenth of a byte rounds up to one
  ];
  for (const [quantity, bytes] of cases) test(quantity, () => expect(parseBytes(quantity)).toBe(bytes));
});

describe('invalid or absent', () => {
  for (const quantity of ['', 'abc', '1.2.3', 'Mi', '1 Mi', '1mi', '1e', '1e3m']) {
    test(JSON.stringify(quantity), () => {
      expect(parseQuantityScaled(quantity, 1)).toBeNull();
      expect(parseBytes(quantity)).toBe(0);
    });
  }
  test('undefined and numbers', () => {
    expect(parseCpuMilli(undefined)).toBe(0);
    expect(parseCpuMilli(2)).toBe(2000);
    expect(parseBytes(1024)).toBe(1024);
  });
  test('negative quantities count as zero', () => expect(parseCpuMilli('-1')).toBe(0));
});

describe('whole quantities (the fast path) agree with exact decimal arithmetic', () => {
  const SUFFIX_EXP10: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9 };
  /** value × scale rounded up, in BigInt, straight from the definition. */
  function exact(digits: string, suffix: string, scale: number): number {
    const exp10 = SUFFIX_EXP10[suffix]!;
    const numerator = BigInt(digits) * BigInt(scale) * 10n ** BigInt(Math.max(0, exp10));
    const denominator = 10n ** BigInt(Math.max(0, -exp10));
    return Number(numerator / denominator + (numerator % denominator === 0n ? 0n : 1n));
  }
  // A fixed pseudo-random sequence: the same cases every run.
  let seed = 42;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  for (const suffix of Object.keys(SUFFIX_EXP10)) {
    test(`suffix "${suffix}"`, () => {
      for (let i = 0; i < 500; i++) {
        const digits = String(next() * (1 + (next() % 100_000))).slice(0, 1 + (next() % 15));
        for (const scale of [1, 1000]) expect(parseQuantityScaled(`${digits}${suffix}`, scale)).toBe(exact(digits, suffix, scale));
      }
    });
  }
  test('beyond 2^53 the exact path answers', () => {
    expect(parseBytes('9007199254740993')).toBe(9_007_199_254_740_993);
    expect(parseCpuMilli('999999999999999G')).toBe(999_999_999_999_999e12);
  });
});

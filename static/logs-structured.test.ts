// The log viewer's structured-line reading: JSON, logfmt and klog lines and plain text get a known format and
// level, hostile input (deep nesting, huge lines, lines that only look like JSON) stays plain text without
// throwing, and JSON re-indents exactly as logged.
import { describe, expect, test } from 'bun:test';
import {
  classifyLine,
  isContinuation,
  type Level,
  jsonDepthWithin,
  jsonLevel,
  levelOf,
  levelRank,
  parseJsonRecord,
  parseKlog,
  parseLogfmt,
  prettyJson,
  textLevel,
} from './logs-structured.ts';

describe('levels', () => {
  test('names and numbers of the common libraries map to six levels', () => {
    expect(['TRACE', 'debug', 'DBG', 'Info', 'notice', 'WARNING', 'wrn', 'Err', 'SEVERE', 'critical', 'panic', 'DPANIC', 'emerg'].map(levelOf)).toEqual([
      'trace',
      'debug',
      'debug',
      'info',
      'info',
      'warn',
      'warn',
      'error',
      'error',
      'fatal',
      'fatal',
      'fatal',
      'fatal',
    ]);
    expect([10, 20, 30, 40, 50, 60, 0].map(levelOf)).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'trace']);
    expect([' info ', 'verbose', '', 'constructor', '__proto__', 'x'.repeat(100), -1, Number.NaN, null, true, {}].map(levelOf)).toEqual([
      'info',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  test('ranks order levels; an unleveled line ranks below all of them', () => {
    expect(levelRank('trace')).toBe(0);
    expect(levelRank('fatal')).toBe(5);
    expect(levelRank(null)).toBe(-1);
  });
});

describe('JSON', () => {
  test('one object per line is a record with its level, from the key each library uses', () => {
    expect(classifyLine('{"level":"info","ts":"2025-01-15T10:31:02Z","msg":"request completed","status":200}')).toEqual({ format: 'json', level: 'info' });
    expect(classifyLine('{"severity":"ERROR","message":"upstream failed"}')).toEqual({ format: 'json', level: 'error' });
    expect(classifyLine('{"level":50,"time":1736937062000,"msg":"pino error"}')).toEqual({ format: 'json', level: 'error' });
    expect(classifyLine('{"@timestamp":"x","log.level":"warn","message":"ECS flat"}')).toEqual({ format: 'json', level: 'warn' });
    expect(classifyLine('{"log":{"level":"debug"},"message":"ECS nested"}')).toEqual({ format: 'json', level: 'debug' });
    expect(classifyLine('{"Level":"WARNING","msg":"slog text handler style"}')).toEqual({ format: 'json', level: 'warn' });
    expect(classifyLine('  {"lvl":"dbug"}  ')).toEqual({ format: 'json', level: 'debug' });
    expect(classifyLine('{"msg":"no level here"}')).toEqual({ format: 'json', level: null });
  });

  test('a numeric severity is not read on pino’s scale; only "level" is', () => {
    expect(jsonLevel({ severity: 50 })).toBeNull();
    expect(jsonLevel({ level: 40 })).toBe('warn');
  });

  test('a level key elsewhere in the record, or inherited, is not the record’s level', () => {
    expect(classifyLine('{"msg":"x","payload":{"level":"error"}}')).toEqual({ format: 'json', level: null });
    expect(classifyLine('{"__proto__":{"level":"error"},"msg":"x"}')).toEqual({ format: 'json', level: null });
    expect(classifyLine('{"msg":"level=error in a string"}')).toEqual({ format: 'json', level: null });
    expect(classifyLine('{"level":{"name":"error"}}')).toEqual({ format: 'json', level: null });
  });

  test('lines that merely look like JSON are text', () => {
    for (const line of [
      '{not json}',
      '{"a":1} trailing',
      '{"a":1',
      '[{"level":"error"}]',
      '"just a string"',
      '42',
      '{}{}',
      '{"a":1,}',
      "{'level':'error'}",
      '{',
      '}',
      '',
    ]) {
      expect(classifyLine(line).format).toBe('text');
      expect(parseJsonRecord(line)).toBeNull();
      expect(prettyJson(line)).toBeNull();
    }
    // A record cut short (a long line truncated on its way) still states its level near the start.
    expect(classifyLine('{"level":"error","msg":"big payload","body":"aaaa … [line truncated: 9000 more characters]')).toEqual({
      format: 'text',
      level: 'error',
    });
  });

  test('deep nesting is refused by a linear scan before anything parses or recurses', () => {
    const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(jsonDepthWithin(deep, 64)).toBe(false);
    expect(classifyLine(deep)).toEqual({ format: 'text', level: null });
    expect(prettyJson(deep)).toBeNull();
    const unclosed = '{'.repeat(200_000);
    expect(classifyLine(unclosed).format).toBe('text');
    // Brackets inside strings are not nesting; escaped quotes do not end a string.
    expect(jsonDepthWithin(`{"s":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`, 2)).toBe(true);
    const sixtyFour = `${'{"a":'.repeat(63)}{"level":"warn"}${'}'.repeat(63)}`;
    expect(classifyLine(sixtyFour)).toEqual({ format: 'json', level: null });
    expect(classifyLine(`{"a":${sixtyFour}}`).format).toBe('text');
  });

  test('huge lines: a JSON line beyond the parse limit is text with the level its start states; a huge plain line is read near its start only', () => {
    const huge = `{"level":"warn","msg":"${'x'.repeat(1024 * 1024)}"}`;
    expect(classifyLine(huge)).toEqual({ format: 'text', level: 'warn' });
    expect(prettyJson(huge)).toBeNull();
    expect(classifyLine('x'.repeat(1024 * 1024))).toEqual({ format: 'text', level: null });
    expect(classifyLine(`${'x '.repeat(200)}ERROR late in the line`)).toEqual({ format: 'text', level: null });
    expect(classifyLine(`${'a=b '.repeat(20_000)}level=error`)).toEqual({ format: 'logfmt', level: 'error' });
    expect(classifyLine(`${'a=b '.repeat(100_000)}level=error`)).toEqual({ format: 'text', level: null });
    expect(classifyLine(`level=error msg="${'y'.repeat(1024 * 1024)}"`)).toEqual({ format: 'text', level: 'error' });
  });

  test('pretty: re-indented from the text as logged, keys, strings and literals classed', () => {
    const line = '{"level":"info","id":12345678901234567890,"b":1,"a":{"x":[1,2.5e3,true,null],"y":{}},"s":"say \\"hi\\" \\u00e9","a":[]}';
    const segments = prettyJson(line)!;
    expect(segments.map((s) => s.t).join('')).toBe(
      [
        '{',
        '  "level": "info",',
        '  "id": 12345678901234567890,',
        '  "b": 1,',
        '  "a": {',
        '    "x": [',
        '      1,',
        '      2.5e3,',
        '      true,',
        '      null',
        '    ],',
        '    "y": {}',
        '  },',
        '  "s": "say \\"hi\\" \\u00e9",',
        '  "a": []',
        '}',
      ].join('\n'),
    );
    expect(segments.filter((s) => s.c === 'json-key').map((s) => s.t)).toEqual(['"level"', '"id"', '"b"', '"a"', '"x"', '"y"', '"s"', '"a"']);
    expect(segments.filter((s) => s.c === 'json-str').map((s) => s.t)).toEqual(['"info"', '"say \\"hi\\" \\u00e9"']);
    expect(segments.filter((s) => s.c === 'json-lit').map((s) => s.t)).toEqual(['12345678901234567890', '1', '1', '2.5e3', 'true', 'null']);
    // Markup inside values is text in a segment like any other.
    expect(
      prettyJson('{"msg":"<img src=x onerror=alert(1)>"}')!
        .map((s) => s.t)
        .join(''),
    ).toBe('{\n  "msg": "<img src=x onerror=alert(1)>"\n}');
  });
});

describe('logfmt', () => {
  test('pairs in order, quoted values unescaped, level from the usual keys', () => {
    expect(parseLogfmt('time="2025-01-15T10:31:02Z" level=warning msg="Volume \\"pvc-1\\" is slow" retries=3 empty=')).toEqual([
      ['time', '2025-01-15T10:31:02Z'],
      ['level', 'warning'],
      ['msg', 'Volume "pvc-1" is slow'],
      ['retries', '3'],
      ['empty', ''],
    ]);
    expect(classifyLine('ts=2025-01-15T10:31:02Z lvl=error caller=main.go:42 msg="listen failed" err="bind: address already in use"')).toEqual({
      format: 'logfmt',
      level: 'error',
    });
    expect(classifyLine('component=scheduler took=12ms')).toEqual({ format: 'logfmt', level: null });
  });

  test('prose with an equals sign, unclosed quotes and one lone pair are not logfmt', () => {
    for (const line of [
      'a=b',
      'set x=1 and carry on',
      'msg="never closed level=error',
      'a="x"b c=d',
      '=x y=z',
      'k=v"w x=y',
      '2025-01-15 10:31:02 level=info msg=hi',
    ])
      expect(parseLogfmt(line)).toBeNull();
    expect(classifyLine('set x=1 and carry on')).toEqual({ format: 'text', level: null });
    // Not logfmt, but the level it names is still read.
    expect(classifyLine('2025-01-15 10:31:02 level=info msg=hi')).toEqual({ format: 'text', level: 'info' });
  });
});

describe('klog', () => {
  test('the header is parsed: level letter, date, time, thread, source, message', () => {
    expect(parseKlog('E0115 10:31:02.123456       1 scraper.go:149] "Failed to scrape node" err="timeout" node="agent-1"')).toEqual({
      level: 'error',
      month: 1,
      day: 15,
      time: '10:31:02.123456',
      thread: 1,
      source: 'scraper.go:149',
      message: '"Failed to scrape node" err="timeout" node="agent-1"',
    });
    expect(['I', 'W', 'E', 'F'].map((l) => classifyLine(`${l}0115 10:31:02.123456 7 server.go:191] ok`))).toEqual([
      { format: 'klog', level: 'info' },
      { format: 'klog', level: 'warn' },
      { format: 'klog', level: 'error' },
      { format: 'klog', level: 'fatal' },
    ]);
  });

  test('near misses are not klog', () => {
    for (const line of [
      'X0115 10:31:02.123456 1 a.go:1] x',
      'I1315 10:31:02.123456 1 a.go:1] bad month',
      'I0115 10:31:02 1 a.go:1] no micros',
      'I0115 10:31:02.123456 1 a.go] no line',
      'Info 0115 something',
    ]) {
      expect(parseKlog(line)).toBeNull();
    }
  });
});

describe('plain text', () => {
  test('a level word in the shapes programs print it, near the start', () => {
    const cases: [string, Level | null][] = [
      ['2025-01-15 10:31:02.123  INFO 1 --- [shop] [main] c.e.Shop : Started', 'info'],
      ['2025-01-15T10:31:02Z WRN Error while Peeking first byte', 'warn'],
      ['2025-01-15T10:31:02Z ERR Skipping service', 'error'],
      ['[2025-01-15 10:31:02,123: ERROR/ForkPoolWorker-2] Task failed', 'error'],
      ['2025/01/15 10:31:02 [error] 29#29: *1 upstream timed out', 'error'],
      ['2025/01/15 10:31:02 [notice] 1#1: start worker processes', 'info'],
      ['[2025/01/15 10:31:02] [ info] [fluent bit] version=3.2.2', 'info'],
      ['[INFO] 10.42.0.1:53 - 1 "A IN example.org."', 'info'],
      ['2025-01-15 10:31:02.123 UTC [88] LOG:  checkpoint starting: time', 'info'],
      ['2025-01-15 10:31:02.123 UTC [88] FATAL:  could not write lock file', 'fatal'],
      ['2025-01-15T10:31:02.000Z warn: Slow response', 'warn'],
      ['panic: runtime error: invalid memory address', 'fatal'],
      ['10.42.1.7 - - [15/Jan/2025:10:31:02 +0000] "GET /errors HTTP/1.1" 200 512', null],
      ['no error was found, all is well', null],
      ['ErrorHandler registered', null],
      ['/docker-entrypoint.sh: Configuration complete', null],
    ];
    expect(cases.map(([line]) => textLevel(line))).toEqual(cases.map(([, level]) => level));
  });

  test('continuation lines: frames, causes, tracebacks, Go panics', () => {
    for (const line of [
      '\tat com.example.Shop.charge(Shop.java:87)',
      '    at TCPConnectWrap.afterConnect (node:net:1607:16)',
      '',
      'Caused by: java.net.ConnectException: refused',
      '\t... 48 common frames omitted',
      '... 32 more',
      'Traceback (most recent call last):',
      "KeyError: 'DATABASE_URL'",
      'java.lang.IllegalStateException: no payment',
      'goroutine 1 [running]:',
      '[signal SIGSEGV: segmentation violation]',
      'main.loadConfig(...)',
      'Error: Cannot find module',
    ]) {
      expect({ line, continues: isContinuation(line) }).toEqual({ line, continues: true });
    }
    for (const line of ['GET /healthz 200', '{"level":"info"}', 'I0115 10:31:02.123456 1 a.go:1] x', 'ErrorHandler registered'])
      expect(isContinuation(line)).toBe(false);
  });
});

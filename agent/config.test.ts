// Checks configuration from the environment: defaults, validation errors naming the variable.
import { expect, test } from 'bun:test';
import { readConfig } from './config.ts';

test('defaults', () => {
  const result = readConfig({ NIRO_URL: 'https://niro.example.com/' });
  expect(result).toEqual({
    ok: true,
    config: {
      url: 'https://niro.example.com',
      token: null,
      maxPods: 5000,
      watch: true,
      logLevel: 'info',
      namespace: 'niro-system',
      kubeconfig: null,
      inClusterRoot: null,
      requested: { pods: null, logs: null, apply: null, selfUpdate: null },
    },
  });
});

test('everything set', () => {
  const result = readConfig({
    NIRO_URL: 'http://cp.internal:8080/base',
    NIRO_TOKEN: ' niro_et_abc ',
    NIRO_MAX_PODS: '200',
    NIRO_LOG_LEVEL: 'DEBUG',
    NIRO_ENABLE_LOGS: '1',
    NIRO_ENABLE_APPLY: '0',
    POD_NAMESPACE: 'niro',
    KUBECONFIG: '/tmp/kubeconfig',
  });
  expect(result.ok && result.config).toMatchObject({
    url: 'http://cp.internal:8080/base',
    token: 'niro_et_abc',
    maxPods: 200,
    logLevel: 'debug',
    namespace: 'niro',
    kubeconfig: '/tmp/kubeconfig',
    requested: { logs: true, apply: false, pods: null, selfUpdate: null },
  });
});

test('errors name the variable', () => {
  const error = (env: Record<string, string>): string => {
    const result = readConfig(env);
    return result.ok ? '' : result.error;
  };
  expect(error({})).toStartWith('NIRO_URL is not set');
  expect(error({ NIRO_URL: 'not a url' })).toStartWith('NIRO_URL is not a URL');
  expect(error({ NIRO_URL: 'ftp://x' })).toStartWith('NIRO_URL must be http(s)');
  expect(error({ NIRO_URL: 'https://x', NIRO_MAX_PODS: '-1' })).toStartWith('NIRO_MAX_PODS');
  expect(error({ NIRO_URL: 'https://x', NIRO_LOG_LEVEL: 'chatty' })).toStartWith('NIRO_LOG_LEVEL');
  expect(readConfig({ NIRO_URL: 'https://x', NIRO_MAX_PODS: '999999' })).toMatchObject({ ok: true, config: { maxPods: 5000 } });
});

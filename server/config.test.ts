import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DEFAULT_EXPORT_LIMITS, loadServerConfig } from './config.ts';

const dir = mkdtempSync(join(tmpdir(), 'cw-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadServerConfig(env, overrides)', () => {
  test('should apply the documented defaults', () => {
    const c = loadServerConfig({}, { dataDir: dir });
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.nightlyCron).toBe('0 2 * * *');
    expect(c.inbox).toBe(join(dir, 'inbox'));
    expect(c.exportLimits).toEqual(DEFAULT_EXPORT_LIMITS);
    expect(c.trustProxy).toBe(false);
    expect(c.sessionSecret).toBeNull();
    expect(c.demo).toBe(false);
    expect(c.dataDir).toBe(dir);
  });

  test('should turn demo mode on when the data dir holds the demo city', () => {
    const d = join(dir, 'demo-city');
    mkdirSync(join(d, 'config'), { recursive: true });
    writeFileSync(join(d, 'config', 'demo_stories.json'), '[]');
    expect(loadServerConfig({}, { dataDir: d }).demo).toBe(true);
    expect(loadServerConfig({ CW_DEMO: 'false' }, { dataDir: d }).demo).toBe(false);
  });

  test('should read every CW_ variable', () => {
    const c = loadServerConfig({
      CW_PORT: '9090', CW_HOST: '0.0.0.0', CW_DEMO: 'yes', CW_NIGHTLY_CRON: 'off', CW_INBOX: '/srv/inbox', CW_EXPORT_LIMIT_ANALYST: '500',
      CW_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1', CW_SESSION_SECRET: 'x'.repeat(32), CW_LOGIN_MAX_FAILURES: '3',
    }, { dataDir: dir });
    expect(c).toMatchObject({ port: 9090, host: '0.0.0.0', demo: true, nightlyCron: null, inbox: '/srv/inbox', trustProxy: ['10.0.0.0/8', '127.0.0.1'], sessionSecret: 'x'.repeat(32) });
    expect(c.exportLimits.analyst).toBe(500);
    expect(c.login.maxFailures).toBe(3);
    expect(loadServerConfig({ CW_TRUST_PROXY: '2' }, { dataDir: dir }).trustProxy).toBe(2);
  });

  test.each([
    [{ CW_PORT: 'eighty' }, /CW_PORT should be an integer/],
    [{ CW_PORT: '70000' }, /CW_PORT should be an integer between 0 and 65535/],
    [{ CW_DEMO: 'maybe' }, /CW_DEMO should be true or false/],
    [{ CW_SESSION_SECRET: 'short' }, /CW_SESSION_SECRET should be at least 32 characters/],
    [{ CW_NIGHTLY_CRON: '0 2 *' }, /CW_NIGHTLY_CRON should be a 5- or 6-field cron/],
    [{ CW_EXPORT_LIMIT_LEADER: '-1' }, /CW_EXPORT_LIMIT_LEADER/],
    [{ CW_TRUST_PROXY: 'proxy.example' }, /CW_TRUST_PROXY/],
    [{ CW_OFFICE_USCC: '91320900ABCDEFGHIJ' }, /CW_OFFICE_USCC should be a valid/],
  ])('should refuse %j with a message naming the variable', (env, msg) => {
    expect(() => loadServerConfig(env as NodeJS.ProcessEnv, { dataDir: dir })).toThrow(msg);
    try { loadServerConfig(env as NodeJS.ProcessEnv, { dataDir: dir }); } catch (e) { expect((e as { code: string }).code).toBe('CW_ERR_CONFIG'); }
  });
});

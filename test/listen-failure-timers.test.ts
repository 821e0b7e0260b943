/**
 * A site that cannot listen (the port is taken) leaves no timer behind: the viewers' heartbeat and
 * stats, the hub's demand/stats/heartbeat intervals and the /broadcast sweeper all stop. And a
 * hub that ran and stopped leaves none either. The intervals are unref'd, so
 * process.getActiveResourcesInfo() does not list them: setInterval/clearInterval are watched instead.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { startHub } from '../src/app/hub.js';
import { serve } from '../src/app/serve.js';
import { silentLogger } from '../src/log.js';
import { testServeOptions } from './helpers/serve-options.js';

let taken: Server;
let port: number;

beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

/** Intervals made and not cleared since the test began. */
const live = new Set<unknown>();
const timers = () => live.size;
const realSet = globalThis.setInterval;
const realClear = globalThis.clearInterval;

beforeEach(() => {
  live.clear();
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const t = realSet(...args);
    live.add(t);
    return t;
  }) as typeof setInterval;
  globalThis.clearInterval = ((t: Parameters<typeof clearInterval>[0]) => {
    live.delete(t);
    realClear(t);
  }) as typeof clearInterval;
});

afterEach(() => {
  globalThis.setInterval = realSet;
  globalThis.clearInterval = realClear;
});

it('a hub on a taken port fails with the listen error and leaves no timer', async () => {
  const before = timers();
  await expect(startHub({ port, host: '127.0.0.1', fps: 10, quality: 80, log: silentLogger() })).rejects.toMatchObject({ code: 'GBS_ERR_PORT_IN_USE' });
  expect(timers()).toBe(before);
});

it('a server on a taken port leaves no timer', async () => {
  const before = timers();
  await expect(serve(testServeOptions({ port }))).rejects.toThrow();
  expect(timers()).toBe(before);
});

it('a hub that ran and stopped leaves no timer (the /broadcast sweeper included)', async () => {
  const before = timers();
  const hub = await startHub({ port: 0, host: '127.0.0.1', fps: 10, quality: 80, log: silentLogger() });
  expect(timers()).toBeGreaterThan(before);
  await hub.stop();
  expect(timers()).toBe(before);
});

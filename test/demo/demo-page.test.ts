/**
 * The demo pages in a real browser: Debian's Chromium, driven by playwright-core, with a
 * generated recording ("three one four", demo/samples) as its fake microphone. The page must
 * show the right transcript when decoding on the server and when decoding in the page, and the
 * /watch page must show the server session's. Screenshots go to test-artifacts/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPages } from '../../cli/demo-site.ts';
import { AsrServer } from '../../streams/asr-server.ts';
import { loadModel } from '../../streams/model-file.ts';

/** $CHROMIUM_PATH, or Debian's chromium on the PATH. */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    const found = spawnSync('which', [name], { encoding: 'utf8' });
    if (found.status === 0) return found.stdout.trim();
  }
  return undefined;
}

const executablePath = findChromium();
const microphone = fileURLToPath(new URL('../../demo/samples/three-one-four-noisy-48k.wav', import.meta.url));
const artifacts = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

// Without Chromium the suite is skipped, its title saying what to install.
describe.skipIf(executablePath === undefined)('demo pages in Chromium with a recording as the microphone (needs chromium: apt-get install chromium, or CHROMIUM_PATH)', () => {
  let server: AsrServer;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const model = await loadModel();
    server = new AsrServer({ models: [model], port: 0, workers: 1, pages: await demoPages(model.name) });
    base = `http://127.0.0.1:${await server.listen()}`;
    browser = await chromium.launch({
      executablePath,
      args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${microphone}`],
    });
    mkdirSync(artifacts, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /**
   * Starts the microphone in the given mode and returns the second final's text. Chromium plays
   * the file in a loop from when the device opens, and the page needs a moment to connect or load
   * the model, so the first utterance it hears may be cut; the second is a whole pass of the file.
   */
  async function secondFinal(page: Page, mode: 'server' | 'browser'): Promise<string> {
    await page.check(`#mode-${mode}`);
    await page.click('#start');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Decoding'), null, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelectorAll('#finals .final-text').length >= 2, null, { timeout: 30_000 });
    // Finals are listed newest first.
    return (await page.locator('#finals .final-text').nth(-2 + (await page.locator('#finals .final-text').count())).textContent()) ?? '';
  }

  async function stop(page: Page): Promise<void> {
    await page.click('#start');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'Stopped.', null, { timeout: 15_000 });
  }

  it('decodes the microphone on the server, and /watch shows the session', async () => {
    const watch = await browser.newPage();
    await watch.goto(`${base}/watch`);
    await watch.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Watching'));
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    await page.goto(base);
    expect(await secondFinal(page, 'server')).toBe('three one four');
    await page.screenshot({ path: `${artifacts}demo-page-server.png` });
    await watch.locator('.session .finals li', { hasText: 'three one four' }).first().waitFor({ timeout: 10_000 });
    await watch.screenshot({ path: `${artifacts}watch-page.png` });
    await stop(page);
    await page.close();
    await watch.close();
  }, 90_000);

  it('keeps reconnecting with a growing delay while the server is down, and goes on when it is back', async () => {
    const model = await loadModel();
    const pages = await demoPages(model.name);
    let restartable = new AsrServer({ models: [model], port: 0, workers: 0, pages, shutdownGraceMs: 100 });
    const port = await restartable.listen();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.check('#mode-server');
    await page.click('#start');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Decoding on the server'), null, { timeout: 30_000 });
    await restartable.close();
    // Three attempts in a row fail (1 s, then 2 s, then 4 s); it used to give up after the first.
    await page.waitForFunction(() => / Reconnecting in 4 s…$/.test(document.getElementById('status')!.textContent!), null, { timeout: 15_000 });
    restartable = new AsrServer({ models: [model], port, workers: 0, pages, shutdownGraceMs: 100 });
    await restartable.listen();
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Decoding on the server'), null, { timeout: 15_000 });
    await stop(page);
    await page.close();
    await restartable.close();
  }, 60_000);

  it('with a server that adapts to speakers, names the browser\'s talker so a new session starts from what the last one learnt', async () => {
    const model = await loadModel();
    const adapting = new AsrServer({ models: [model], port: 0, workers: 1, recognizer: { adaptation: 'speaker' }, pages: await demoPages(model.name, 'speaker') });
    const adaptingBase = `http://127.0.0.1:${await adapting.listen()}`;
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    await page.goto(adaptingBase);
    expect(await secondFinal(page, 'server')).toBe('three one four');
    const learnt = (): Promise<number> => page.locator('#status').textContent().then((text) => Number(/adapted to your voice from (\d+) utterances?/.exec(text ?? '')?.[1] ?? 0));
    const firstSession = await learnt();
    expect(firstSession).toBeGreaterThanOrEqual(2);
    await stop(page);
    // A second session of the same page: the count goes on from the first session's.
    await page.click('#start');
    await page.waitForFunction((before) => Number(/from (\d+) utterance/.exec(document.getElementById('status')!.textContent!)?.[1] ?? 0) > before, firstSession, { timeout: 30_000 });
    await stop(page);
    // Decoding in the page adapts the same way, its talker kept by the page between sessions.
    expect(await secondFinal(page, 'browser')).toBe('three one four');
    expect(await page.locator('#status').textContent()).toMatch(/^Decoding in this page, adapted to your voice from \d+ utterances?$/);
    const inPage = await learnt();
    await stop(page);
    await page.click('#start');
    await page.waitForFunction((before) => Number(/in this page, adapted to your voice from (\d+) utterance/.exec(document.getElementById('status')!.textContent!)?.[1] ?? 0) > before, inPage, { timeout: 30_000 });
    await stop(page);
    await page.close();
    await adapting.close();
  }, 120_000);

  it('decodes the microphone in the page, with the search view fed by the in-page decoder', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    await page.goto(base);
    expect(await secondFinal(page, 'browser')).toBe('three one four');
    expect(await page.locator('#status').textContent()).toContain('no audio leaves the machine');
    await page.screenshot({ path: `${artifacts}demo-page-in-browser.png` });
    await stop(page);
    await page.close();
  }, 90_000);

  it('says what is wrong when the microphone cannot be had', async () => {
    const page = await browser.newPage();
    // As a browser does when the user refuses: getUserMedia rejects with NotAllowedError.
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await page.goto(base);
    await page.click('#start');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.includes('denied'));
    expect(await page.locator('#status').getAttribute('class')).toContain('error');
    await page.close();
  }, 30_000);
});

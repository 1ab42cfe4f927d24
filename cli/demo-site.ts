/**
 * The demo pages `beamline serve` offers beside its sockets: `/` (microphone or dropped file,
 * decoded on the server or in the page) and `/watch` (every session, as a subscriber). Their
 * TypeScript (demo/web) is bundled by esbuild in memory when the server starts, so a fresh
 * clone needs no build step; the in-page decoder bundles the engine (src/) itself.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { RecognizerAdaptation } from '../src/index.ts';

const WEB = fileURLToPath(new URL('../demo/web/', import.meta.url));

/** The bundles, by the path the pages load them from. Worklet and worker are classic scripts. */
const BUNDLES = [
  { path: '/demo/app.js', entry: 'app.ts', format: 'esm' },
  { path: '/demo/watch.js', entry: 'watch.ts', format: 'esm' },
  { path: '/demo/mic-worklet.js', entry: 'mic-worklet.ts', format: 'iife' },
  { path: '/demo/decoder-worker.js', entry: 'decoder-worker.ts', format: 'iife' },
] as const;

interface Asset {
  readonly type: string;
  readonly body: string | Uint8Array;
}

/**
 * Builds the pages for a server whose default model is `modelName` and that adapts to speakers
 * as `adaptation` says (the page then names its talker, so what one session learnt the next
 * starts from); returns the server's page handler.
 */
export async function demoPages(modelName: string, adaptation: RecognizerAdaptation = 'none'): Promise<(path: string, response: ServerResponse) => boolean> {
  const assets = new Map<string, Asset>();
  const html = async (file: string): Promise<string> =>
    (await readFile(`${WEB}${file}`, 'utf8')).replace('{{MODEL}}', modelName.replace(/[^\w.-]/g, '')).replace('{{ADAPTATION}}', adaptation);
  assets.set('/', { type: 'text/html; charset=utf-8', body: await html('index.html') });
  assets.set('/watch', { type: 'text/html; charset=utf-8', body: await html('watch.html') });
  assets.set('/demo/style.css', { type: 'text/css; charset=utf-8', body: await readFile(`${WEB}style.css`, 'utf8') });
  await Promise.all(
    BUNDLES.map(async ({ path, entry, format }) => {
      const result = await build({
        entryPoints: [`${WEB}${entry}`],
        bundle: true,
        format,
        platform: 'browser',
        target: 'es2022',
        write: false,
        minify: true,
        logLevel: 'silent',
      });
      assets.set(path, { type: 'text/javascript; charset=utf-8', body: result.outputFiles[0].contents });
    }),
  );
  return (path, response) => {
    const asset = assets.get(path);
    if (asset === undefined) return false;
    response.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
    response.end(asset.body);
    return true;
  };
}

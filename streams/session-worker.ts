/**
 * A decoding worker: sessions of the server decode here, off the main thread. The models arrive
 * as their files' text; requests carry a number and get exactly one answer with the same
 * number (events, or an error with its code).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { isBeamlineError, parseModel, readWavHeader, type RecognizerOptions } from '../src/index.ts';
import { InProcessDecoders, ModelCatalog } from './session-decoder.ts';
import type { WorkerRequest, WorkerResponse } from './decoding-pool.ts';

const { modelTexts, recognizerOptions, defaultSampleRateHz, maxTalkers } = workerData as {
  modelTexts: string[];
  recognizerOptions: Omit<RecognizerOptions, 'streaming'>;
  defaultSampleRateHz: number;
  maxTalkers: number | undefined;
};
const decoders = new InProcessDecoders({
  models: new ModelCatalog(
    modelTexts.map((text) => parseModel(text, 'model')),
    recognizerOptions,
  ),
  recognizerOptions,
  defaultSampleRateHz,
  ...(maxTalkers !== undefined ? { maxTalkers } : {}),
});

async function answer(request: WorkerRequest): Promise<WorkerResponse['result']> {
  switch (request.kind) {
    case 'open':
      return decoders.open(request.session, request.config, request.compiled);
    case 'push':
      return decoders.push(request.session, request.bytes);
    case 'reset':
      return decoders.reset(request.session);
    case 'finish':
      return decoders.finish(request.session);
    case 'release':
      decoders.release(request.session);
      return undefined;
  }
}

// Warm-up before the first client: the demo recording of three spoken digits in noise (48 kHz,
// so through the resampler too), three times over in one session, compiles the hot paths of the
// front end, the search, the endpointer and the second pass. Cold, they made the first seconds of
// a server with hundreds of sessions slower than the rest. Quiet noise at the default rate stands
// in when the recording is not there.
function warmUpAudio(): { pcm: Uint8Array; sampleRateHz: number } {
  try {
    const file = new Uint8Array(readFileSync(fileURLToPath(new URL('../demo/samples/three-one-four-noisy-48k.wav', import.meta.url))));
    const header = readWavHeader(file, 'warm-up recording');
    if (header.layout.sampleFormat === 's16le' && header.layout.channels === 1) {
      const speech = file.subarray(header.dataStart, header.dataEnd);
      const pcm = new Uint8Array(3 * speech.length);
      for (let copy = 0; copy < 3; copy++) pcm.set(speech, copy * speech.length);
      return { pcm, sampleRateHz: header.sampleRateHz };
    }
  } catch {
    // the noise below
  }
  let seed = 1;
  const noise = new Int16Array(2 * defaultSampleRateHz).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) % 200) - 100);
  return { pcm: new Uint8Array(noise.buffer), sampleRateHz: defaultSampleRateHz };
}
{
  const { pcm, sampleRateHz } = warmUpAudio();
  const chunkBytes = 2 * Math.round(sampleRateHz / 5);
  await decoders.open('warm-up', { sampleRateHz });
  for (let i = 0; i < pcm.length; i += chunkBytes) await decoders.push('warm-up', pcm.subarray(i, Math.min(i + chunkBytes, pcm.length)));
  await decoders.finish('warm-up');
  decoders.release('warm-up');
}
parentPort!.postMessage({ ready: true });
parentPort!.on('message', (request: WorkerRequest) => {
  answer(request).then(
    (result) => parentPort!.postMessage({ id: request.id, result } satisfies WorkerResponse),
    (error: unknown) =>
      parentPort!.postMessage({
        id: request.id,
        error: { code: isBeamlineError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) },
      } satisfies WorkerResponse),
  );
});

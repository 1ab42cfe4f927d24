/**
 * A decoding worker: sessions of the server decode here, off the main thread. The models arrive
 * as their files' text; requests carry a number and get exactly one answer with the same
 * number (events, or an error with its code).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isBeamlineError, parseModel, type RecognizerOptions } from '../src/index.ts';
import { InProcessDecoders, ModelCatalog } from './session-decoder.ts';
import type { WorkerRequest, WorkerResponse } from './decoding-pool.ts';

const { modelTexts, recognizerOptions, defaultSampleRateHz } = workerData as {
  modelTexts: string[];
  recognizerOptions: Omit<RecognizerOptions, 'streaming'>;
  defaultSampleRateHz: number;
};
const decoders = new InProcessDecoders({
  models: new ModelCatalog(
    modelTexts.map((text) => parseModel(text, 'model')),
    recognizerOptions,
  ),
  recognizerOptions,
  defaultSampleRateHz,
});

async function answer(request: WorkerRequest): Promise<WorkerResponse['result']> {
  switch (request.kind) {
    case 'open':
      await decoders.open(request.session, request.config);
      return undefined;
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

// Warm-up before the first client: two seconds of quiet noise through a whole session (default
// rate, so the resampler too if it is needed) compile the hot paths, which otherwise run cold
// for the first sessions, and slowly when many open at once.
{
  let seed = 1;
  const pcm = new Int16Array(2 * defaultSampleRateHz).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) % 200) - 100);
  await decoders.open('warm-up', {});
  for (let i = 0; i < pcm.length; i += defaultSampleRateHz / 10) await decoders.push('warm-up', new Uint8Array(pcm.buffer, 2 * i, defaultSampleRateHz / 5));
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

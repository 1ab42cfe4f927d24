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

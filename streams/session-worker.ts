/**
 * A decoding worker: sessions of the server decode here, off the main thread. The model arrives
 * as the model file's text; requests carry a number and get exactly one answer with the same
 * number (events, or an error with its code).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Recognizer, isBeamlineError, parseModel, type RecognizerOptions } from '../src/index.ts';
import { InProcessDecoders } from './session-decoder.ts';
import type { WorkerRequest, WorkerResponse } from './decoding-pool.ts';

const { modelText, recognizerOptions, defaultSampleRateHz } = workerData as {
  modelText: string;
  recognizerOptions: Omit<RecognizerOptions, 'streaming'>;
  defaultSampleRateHz: number;
};
const model = parseModel(modelText, 'model');
const decoders = new InProcessDecoders({
  model,
  recognizer: new Recognizer(model, { ...recognizerOptions, streaming: true }),
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

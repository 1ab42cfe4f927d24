/**
 * The grammar compiler's thread (grammar-compiler.ts): the models arrive as their files' text;
 * each request's grammar comes back as a decoding graph (its typed arrays moved, not copied),
 * or as an error with its code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isBeamlineError, parseModel, type RecognizerOptions } from '../src/index.ts';
import type { CompileRequest, CompileResponse } from './grammar-compiler.ts';
import { ModelCatalog, compileSessionGraph, graphBuffers } from './session-decoder.ts';

const { modelTexts, recognizerOptions } = workerData as { modelTexts: string[]; recognizerOptions: Omit<RecognizerOptions, 'streaming'> };
const models = new ModelCatalog(
  modelTexts.map((text) => parseModel(text, 'model')),
  recognizerOptions,
);

parentPort!.postMessage({ ready: true });
parentPort!.on('message', (request: CompileRequest) => {
  try {
    const result = compileSessionGraph(models, recognizerOptions, request.config)!;
    parentPort!.postMessage({ id: request.id, result } satisfies CompileResponse, graphBuffers(result.graph));
  } catch (error) {
    parentPort!.postMessage({
      id: request.id,
      error: { code: isBeamlineError(error) ? error.code : 'INTERNAL', message: error instanceof Error ? error.message : String(error) },
    } satisfies CompileResponse);
  }
});

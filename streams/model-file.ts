/**
 * Model files on disk: loading (with the format's validation) and saving. The shipped default
 * model lives in the package's models/ folder, so every command works with no --model option.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BeamlineError, ERROR_CODES, parseModel, serializeModel, type SpeechModel } from '../src/index.ts';

export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../models/fsdd-digits.json', import.meta.url));

export async function loadModel(path: string = DEFAULT_MODEL_PATH): Promise<SpeechModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new BeamlineError(ERROR_CODES.MODEL_INVALID, `${path}: cannot read the model file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      cause: error,
    });
  }
  return parseModel(text, path);
}

export async function saveModel(path: string, model: SpeechModel): Promise<void> {
  await writeFile(path, serializeModel(model));
}

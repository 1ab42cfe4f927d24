/**
 * A talker kept in a file between runs (`--talker FILE` of `decode` and `mic`): what speaker
 * adaptation learnt of a voice, so the next run starts from it instead of from the model alone.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { BeamlineError, ERROR_CODES, SpeakerAdaptation, type Recognizer } from '../src/index.ts';

/** The talker saved at `path` for the recogniser's model, or a new one when there is no file yet. */
export async function loadTalker(recognizer: Recognizer, path: string): Promise<SpeakerAdaptation> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return recognizer.createSpeaker();
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${path}: cannot read the talker file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    throw new BeamlineError(ERROR_CODES.DATA_INVALID, `${path}: the talker file is not JSON (truncated or edited?)`);
  }
  try {
    return SpeakerAdaptation.restore(recognizer.model, state, recognizer.speakerAdaptation);
  } catch (error) {
    throw error instanceof BeamlineError ? new BeamlineError(error.code, `${path}: ${error.message}`) : error;
  }
}

/** Writes the talker to `path` whole or not at all: a new file, then renamed over the old one. */
export async function saveTalker(path: string, talker: SpeakerAdaptation): Promise<void> {
  const partial = `${path}.partial`;
  await writeFile(partial, JSON.stringify(talker));
  await rename(partial, path);
}

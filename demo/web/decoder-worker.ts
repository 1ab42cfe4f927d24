/**
 * In-browser mode: the whole recogniser (front end, GMM scoring, search) runs in this Web Worker,
 * so no audio leaves the machine. It loads the model the server offers by name, resamples the
 * page's audio to the model's rate, and posts back hypothesis events and search figures.
 */
import { Recognizer, Resampler, SpeakerAdaptation, parseModel, type DecoderEvent, type RecognitionSession } from '../../src/index.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const scope = self as unknown as { postMessage(message: FromWorker): void; onmessage: ((event: MessageEvent<ToWorker>) => void) | null };

let recognizer: Recognizer | undefined;
let session: RecognitionSession | undefined;
let resampler: Resampler | undefined;
let audioSeconds = 0;
let rateHz = 0;
let frames = 0;
let tokens = 0;

function post(events: DecoderEvent[]): void {
  const stats = session!.decoder.stats;
  const newFrames = stats.frames - frames;
  const perFrame = newFrames > 0 ? (stats.activeTokens - tokens) / newFrames : 0;
  frames = stats.frames;
  tokens = stats.activeTokens;
  scope.postMessage({ type: 'events', events, audioSeconds, tokensPerFrame: perFrame, frames: newFrames });
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'start': {
      if (recognizer === undefined) {
        const response = await fetch(message.modelUrl);
        if (!response.ok) throw new Error(`could not load the model (${response.status})`);
        recognizer = new Recognizer(parseModel(await response.text(), message.modelUrl), { streaming: true, ...(message.adapt ? { adaptation: 'speaker' as const } : {}) });
      }
      // The talker the page kept from its last session, if any: this one learns on from it.
      const talker = message.adapt && message.talker !== undefined ? SpeakerAdaptation.restore(recognizer.model, message.talker, recognizer.speakerAdaptation) : undefined;
      session = recognizer.createSession(talker);
      rateHz = message.rateHz;
      resampler = rateHz !== recognizer.sampleRateHz ? await Resampler.create({ inputRateHz: rateHz, outputRateHz: recognizer.sampleRateHz }) : undefined;
      audioSeconds = 0;
      frames = 0;
      tokens = 0;
      scope.postMessage({ type: 'started' });
      return;
    }
    case 'audio': {
      if (session === undefined) return;
      audioSeconds += message.samples.length / rateHz;
      post(session.push(resampler ? resampler.push(message.samples) : message.samples));
      return;
    }
    case 'stop': {
      if (session === undefined) return;
      const events = resampler ? session.push(resampler.finish()) : [];
      resampler?.release();
      resampler = undefined;
      post([...events, ...session.finish()]);
      const talker = session.speaker?.toJSON();
      session = undefined;
      scope.postMessage({ type: 'stopped', ...(talker !== undefined ? { talker } : {}) });
      return;
    }
  }
}

// Messages are handled one at a time, in order, though starting is asynchronous.
let queue = Promise.resolve();
scope.onmessage = (event) => {
  queue = queue.then(() => handle(event.data)).catch((error: unknown) => scope.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
};

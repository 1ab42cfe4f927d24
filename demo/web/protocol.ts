/** Messages between the page and the in-browser decoder worker. */
import type { DecoderEvent } from '../../src/index.ts';

export type ToWorker =
  | {
      readonly type: 'start';
      readonly rateHz: number;
      readonly modelUrl: string;
      /** Adapt to the talker ('speaker' adaptation), starting from `talker` (a saved SpeakerAdaptation) when given. */
      readonly adapt: boolean;
      readonly talker?: unknown;
    }
  | { readonly type: 'audio'; readonly samples: Float32Array }
  | { readonly type: 'stop' };

export type FromWorker =
  | { readonly type: 'started' }
  | { readonly type: 'events'; readonly events: DecoderEvent[]; readonly audioSeconds: number; readonly tokensPerFrame: number; readonly frames: number }
  | { readonly type: 'stopped'; readonly talker?: unknown }
  | { readonly type: 'error'; readonly message: string };

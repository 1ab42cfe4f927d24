/**
 * The capture end of the page's audio graph, run on the audio thread: it gathers the 128-sample
 * render quanta of its input into 100 ms blocks at the context's own rate and posts each to the
 * page (the buffer is transferred, not copied). The page sends them on to the server or to the
 * in-page decoder, which resample to the model's rate: browsers often ignore a requested rate.
 */

// The AudioWorkletGlobalScope, which TypeScript's DOM library does not describe.
declare const sampleRate: number;
declare function registerProcessor(name: string, processor: new () => object): void;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}

class MicCapture extends AudioWorkletProcessor {
  private readonly blockLength = Math.round(sampleRate / 10);
  private block = new Float32Array(this.blockLength);
  private filled = 0;

  process(inputs: Float32Array[][]): boolean {
    const channel = inputs[0]?.[0];
    if (channel === undefined) return true;
    let read = 0;
    while (read < channel.length) {
      const take = Math.min(channel.length - read, this.blockLength - this.filled);
      this.block.set(channel.subarray(read, read + take), this.filled);
      this.filled += take;
      read += take;
      if (this.filled === this.blockLength) {
        // Transferred: the block's buffer is the page's now, so a new one is made.
        this.port.postMessage(this.block, [this.block.buffer]);
        this.block = new Float32Array(this.blockLength);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('mic-capture', MicCapture);

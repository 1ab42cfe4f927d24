#!/usr/bin/env bash
# Writes the demo recordings in demo/samples with espeak-ng (and sox to set the rate), so the
# README's first command has audio to recognise. Run from the repository root; outputs are committed.
set -euo pipefail
out=demo/samples
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say() { # voice text file rate
  espeak-ng -v "$1" -w "$tmp/say.wav" "$2"
  sox "$tmp/say.wav" -r "$4" -b 16 "$out/$3"
}
say en-us seven seven-en-us-16k.wav 16000
say en-gb+m3 two two-en-gb-8k.wav 8000
say en-us+f2 nine nine-en-us-female-22k.wav 22050
ls -l "$out"

# The browser tests' fake microphone: "three one four" at 48 kHz with 0.6 s before and 1.4 s
# after, in steady white noise 30 dB below full scale, as a real room and microphone have (a
# microphone never gives digital silence). Chromium loops it as its capture device.
espeak-ng -v en-us -s 150 -w "$tmp/digits.wav" "three, one, four"
sox "$tmp/digits.wav" -r 48000 -b 16 -c 1 "$tmp/padded.wav" pad 0.6 1.4
sox -n -r 48000 -b 16 -c 1 "$tmp/noise.wav" synth "$(soxi -D "$tmp/padded.wav")" whitenoise vol 0.03
sox -m "$tmp/padded.wav" "$tmp/noise.wav" "$out/three-one-four-noisy-48k.wav"
ls -l "$out"

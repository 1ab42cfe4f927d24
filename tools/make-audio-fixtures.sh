#!/usr/bin/env bash
# Writes the small audio fixtures in test/fixtures/audio with independent encoders (Debian's sox,
# flac, lame, oggenc), so the decoders are tested on files beamline did not write itself.
# Run once from the repository root; the outputs are committed. Needs: apt-get install sox flac lame vorbis-tools
set -euo pipefail
out=test/fixtures/audio
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 0.3 s of a 440 Hz sine at half scale, 16 kHz: easy to check sample by sample.
sox -n -r 16000 -c 1 -b 16 "$tmp/tone.wav" synth 0.3 sine 440 vol 0.5
sox "$tmp/tone.wav" -e unsigned-integer -b 8 "$out/tone-u8.wav"
sox "$tmp/tone.wav" -e signed-integer -b 16 "$out/tone-s16.wav"
sox "$tmp/tone.wav" -e signed-integer -b 24 "$out/tone-s24-extensible.wav"
sox "$tmp/tone.wav" -e signed-integer -b 32 "$out/tone-s32-extensible.wav"
sox "$tmp/tone.wav" -e floating-point -b 32 "$out/tone-f32.wav"
sox "$tmp/tone.wav" -e floating-point -b 64 "$out/tone-f64.wav"
sox -n -r 16000 -c 2 -b 16 "$out/tone-stereo-s16.wav" synth 0.3 sine 440 sine 440 vol 0.5
sox "$tmp/tone.wav" -r 8000 "$out/tone-8k-s16.wav"
sox "$tmp/tone.wav" -t raw -e signed-integer -b 16 -L "$out/tone-s16le-16k.raw"
flac --silent -f -o "$out/tone.flac" "$tmp/tone.wav"
oggenc --quiet -o "$out/tone.ogg" "$tmp/tone.wav"
lame --quiet -b 64 "$tmp/tone.wav" "$out/tone.mp3"
# Corrupt and edge cases.
head -c 2000 "$out/tone-s16.wav" > "$out/truncated.wav"
head -c 300 "$out/tone.flac" > "$out/truncated.flac"
printf 'this is not audio at all, just text\n%.0s' {1..20} > "$out/not-audio.wav"
sox -n -r 8000 -c 1 -b 16 "$out/empty.wav" trim 0 0
sox "$tmp/tone.wav" -e a-law "$out/tone-alaw.wav"
# A float WAV whose 10th sample is NaN.
python3 - "$out/tone-f32.wav" "$out/nan-f32.wav" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], 'rb').read())
at = data.find(b'data') + 8 + 4 * 9
data[at:at + 4] = struct.pack('<f', float('nan'))
open(sys.argv[2], 'wb').write(data)
PY
ls -l "$out"
# Digit strings for the grammar tests (espeak-ng alone, at its own 22.05 kHz): seven digits
# with pauses that endpointing splits, and one PIN.
espeak-ng -v en-us -s 140 -w "$out/digits-seven-paused.wav" "nine, eight, zero, eight, seven, eight, six"
espeak-ng -v en-us -s 150 -w "$out/pin-four-eight-one-five.wav" "four eight one five"
# Speech for the MFCC reference (tools/mfcc-reference.py) and for smoke tests: espeak-ng's voice.
espeak-ng -v en-us -w "$tmp/seven.wav" "seven"
sox "$tmp/seven.wav" -r 8000 -b 16 "$out/espeak-seven-8k.wav"
sox "$tmp/seven.wav" -r 16000 -b 16 "$out/espeak-seven-16k.wav"

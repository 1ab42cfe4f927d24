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

// The shared wave step, known answers: start the current wave, hold while it works, skip emptied waves, complete.
import { expect, test } from 'bun:test';
import { nextWaveStep, type WaveMember, type WavePhase } from './waves';

const m = (wave: number, phase: WavePhase): WaveMember => ({ wave, phase });

test('a fresh rollout starts wave 0; skipped clusters alone do not count as started', () => {
  expect(nextWaveStep([m(0, 'waiting'), m(1, 'waiting')], 0, 2)).toEqual({ kind: 'start', wave: 0 });
  expect(nextWaveStep([m(0, 'skipped'), m(0, 'waiting'), m(1, 'waiting')], 0, 2)).toEqual({ kind: 'start', wave: 0 });
});

test('an active cluster holds its wave; a done wave moves to the next one with work', () => {
  expect(nextWaveStep([m(0, 'active'), m(0, 'done'), m(1, 'waiting')], 0, 2)).toEqual({ kind: 'hold' });
  expect(nextWaveStep([m(0, 'done'), m(1, 'waiting')], 0, 2)).toEqual({ kind: 'start', wave: 1 });
  // Wave 1 was all skipped: it passes at once.
  expect(nextWaveStep([m(0, 'done'), m(1, 'skipped'), m(2, 'waiting')], 0, 3)).toEqual({ kind: 'start', wave: 2 });
});

test('nothing left anywhere completes; a failure alone holds nothing open (the caller pauses on it first)', () => {
  expect(nextWaveStep([m(0, 'done'), m(1, 'done')], 1, 2)).toEqual({ kind: 'complete' });
  expect(nextWaveStep([m(0, 'skipped')], 0, 1)).toEqual({ kind: 'complete' });
  expect(nextWaveStep([], 0, 0)).toEqual({ kind: 'complete' });
});

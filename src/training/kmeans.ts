/**
 * k-means with k-means++ seeding (Arthur & Vassilvitskii 2007): the starting point of EM. The
 * first centre is a random point; each next one is drawn with probability proportional to its
 * squared distance from the nearest centre chosen so far. Lloyd iterations follow; an emptied
 * cluster is re-seeded at the point farthest from its centre.
 */
import type { SeededRandom } from '../math/random.ts';

export interface KMeansResult {
  /** Row-major k × D centres. */
  readonly centres: Float64Array;
  /** Cluster index of every point. */
  readonly assignments: Int32Array;
  readonly iterations: number;
}

function squaredDistance(data: ArrayLike<number>, point: number, centres: Float64Array, centre: number, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) {
    const diff = data[point * dim + d] - centres[centre * dim + d];
    sum += diff * diff;
  }
  return sum;
}

export function kMeansPlusPlusSeeds(data: ArrayLike<number>, count: number, dim: number, k: number, random: SeededRandom): Float64Array {
  const centres = new Float64Array(k * dim);
  const nearest = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  let chosen = random.integer(count);
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < dim; d++) centres[c * dim + d] = data[chosen * dim + d];
    let total = 0;
    for (let i = 0; i < count; i++) {
      nearest[i] = Math.min(nearest[i], squaredDistance(data, i, centres, c, dim));
      total += nearest[i];
    }
    if (c + 1 === k) break;
    if (!(total > 0)) {
      chosen = random.integer(count); // every point sits on a centre: any choice is as good
      continue;
    }
    let target = random.next() * total;
    chosen = count - 1;
    for (let i = 0; i < count; i++) {
      target -= nearest[i];
      if (target < 0) {
        chosen = i;
        break;
      }
    }
  }
  return centres;
}

export function kMeans(data: ArrayLike<number>, count: number, dim: number, k: number, random: SeededRandom, maxIterations = 20): KMeansResult {
  const centres = kMeansPlusPlusSeeds(data, count, dim, k, random);
  const assignments = new Int32Array(count).fill(-1);
  const sizes = new Float64Array(k);
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let changed = 0;
    for (let i = 0; i < count; i++) {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const distance = squaredDistance(data, i, centres, c, dim);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      if (assignments[i] !== best) changed++;
      assignments[i] = best;
    }
    if (changed === 0 && iterations > 0) break;
    centres.fill(0);
    sizes.fill(0);
    for (let i = 0; i < count; i++) {
      const c = assignments[i];
      sizes[c]++;
      for (let d = 0; d < dim; d++) centres[c * dim + d] += data[i * dim + d];
    }
    for (let c = 0; c < k; c++) {
      if (sizes[c] > 0) {
        for (let d = 0; d < dim; d++) centres[c * dim + d] /= sizes[c];
        continue;
      }
      // Empty cluster: move it to the point farthest from its own centre.
      let farthest = 0;
      let farthestDistance = -1;
      for (let i = 0; i < count; i++) {
        const distance = squaredDistance(data, i, centres, assignments[i], dim);
        if (distance > farthestDistance) {
          farthestDistance = distance;
          farthest = i;
        }
      }
      for (let d = 0; d < dim; d++) centres[c * dim + d] = data[farthest * dim + d];
      assignments[farthest] = c;
    }
  }
  return { centres, assignments, iterations };
}

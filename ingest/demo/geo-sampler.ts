/**
 * Subject coordinates inside the real county polygon. Rejection sampling: a draw is either Gaussian
 * around the county seat (`cp`, where businesses concentrate) or uniform over the bounding box (the
 * townships), and is kept only if @turf/boolean-point-in-polygon says it lies inside the county after
 * rounding to 6 decimals, so the written point is the tested point.
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon } from 'geojson';
import type { CountyFeature } from '../reference/index.ts';
import type { Rng } from './rng.ts';

/** Share of draws around the county seat (the rest are uniform over the county). */
const SEAT_SHARE = 0.65;
/** Gaussian spread around the seat, degrees (about 6 km). */
const SEAT_SD = 0.055;
const MAX_TRIES = 10_000;

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export class CountySampler {
  readonly code: string;
  private readonly geometry: Polygon | MultiPolygon;
  private readonly cp: [number, number];
  private readonly bbox: [number, number, number, number];

  constructor(feature: CountyFeature) {
    this.geometry = feature.geometry as Polygon | MultiPolygon;
    this.code = feature.properties.code;
    this.cp = feature.properties.cp;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    const polys = (feature.geometry.type === 'Polygon' ? [feature.geometry.coordinates] : feature.geometry.coordinates) as number[][][][];
    for (const poly of polys) {
      for (const ring of poly) {
        for (const [x, y] of ring) {
          if (x < minX) minX = x;
          if (x > maxX) maxX = x;
          if (y < minY) minY = y;
          if (y > maxY) maxY = y;
        }
      }
    }
    this.bbox = [minX, minY, maxX, maxY];
  }

  contains(lon: number, lat: number): boolean {
    return booleanPointInPolygon([lon, lat], this.geometry);
  }

  /** A point inside the county; `seatShare` overrides how concentrated it is. */
  sample(rng: Rng, seatShare = SEAT_SHARE): [number, number] {
    const [minX, minY, maxX, maxY] = this.bbox;
    for (let i = 0; i < MAX_TRIES; i++) {
      let lon: number;
      let lat: number;
      if (rng.next() < seatShare) {
        lon = round6(this.cp[0] + rng.gauss() * SEAT_SD * 1.15); // a degree of longitude is shorter
        lat = round6(this.cp[1] + rng.gauss() * SEAT_SD);
      } else {
        lon = round6(minX + rng.next() * (maxX - minX));
        lat = round6(minY + rng.next() * (maxY - minY));
      }
      if (this.contains(lon, lat)) return [lon, lat];
    }
    throw new Error(`CountySampler: no point found inside county ${this.code} after ${MAX_TRIES} tries`);
  }
}

// Types for eslint-layering.js, which stays JavaScript so that eslint.config.js can load it.
import type { Linter } from 'eslint';

export interface Target {
  path: string;
  except?: string[];
}
export interface Layer {
  unit: string;
  forbid: (string | Target)[];
  why: string;
}
export interface Pending {
  unit: string;
  allow: string;
  until: string;
}
export declare const LAYERS: Layer[];
export declare const PENDING: Pending[];
export declare function routesInto(dir: string, target: Target): string[];
export declare function layeringConfigs(options?: { pending?: Pending[] }): Linter.Config[];

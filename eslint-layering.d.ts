// Types for eslint-layering.js, which stays JavaScript so that eslint.config.js can load it.
import type { Linter } from 'eslint';

/** A folder, or a file as imported (`.js`). */
export interface Target {
  path: string;
  except?: string[];
}
/** A package, by name, with every subpath. */
export interface ModuleTarget {
  module: string;
}
export interface Layer {
  unit: string;
  forbid: (string | Target | ModuleTarget)[];
  why: string;
}
export interface Pending {
  unit: string;
  allow: string;
  until: string;
}
export declare const OWN_NAME: string;
export declare const BROKER_FOLDERS: Record<string, string[]>;
export declare function brokerReach(folder: string): string[];
export declare const LAYERS: Layer[];
export declare const PENDING: Pending[];
export declare function routesInto(dir: string, target: Target): string[];
export declare function layeringConfigs(options?: { pending?: Pending[] }): Linter.Config[];

/**
 * What compliance processing needs on a node, built from the action context and configuration:
 * the store, the clock, this runner's lease identity, where output goes by default, and the
 * adapters. The scheduler, the HTTP endpoints and the command line each build one.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { ActionContext } from '../actions/context.ts';
import type { ComplianceAdapterType, ComplianceConfig } from '../domain/compliance-config.ts';
import { MIN_RUN_INTERVAL_MS } from '../domain/compliance-config.ts';
import type { Store } from '../storage/types.ts';
import { discardAdapter, type ComplianceAdapter } from './adapter.ts';
import { jsonlAdapter } from './jsonl-adapter.ts';
import { xmlAdapter } from './xml-adapter.ts';

export interface ComplianceRuntime {
  readonly store: Store;
  readonly clock: () => number;
  /** This runner's identity in the lease (host, process, random suffix). */
  readonly owner: string;
  /** The data folder: the default output folder is `<dataDir>/compliance`. */
  readonly dataDir: string;
  /** The smallest RunInterval accepted: one minute, lowered only for tests. */
  readonly minRunIntervalMs: number;
  /** How long a lease lasts without renewal; renewed at every batch. */
  readonly leaseMs: number;
  /** Most events handed to the adapter in one batch (one output file, or one per room). */
  readonly batchEvents: number;
  readonly adapterFor: (type: ComplianceAdapterType) => ComplianceAdapter;
}

export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_BATCH_EVENTS = 20_000;

export function builtInAdapter(type: ComplianceAdapterType): ComplianceAdapter {
  switch (type) {
    case 'xml':
      return xmlAdapter;
    case 'jsonl':
      return jsonlAdapter;
    case 'none':
      return discardAdapter;
  }
}

export function complianceRuntime(
  ctx: Pick<ActionContext, 'store' | 'clock' | 'newId'>,
  config: { readonly dataDir: string; readonly complianceMinIntervalMs?: number },
  overrides: Partial<ComplianceRuntime> = {},
): ComplianceRuntime {
  return {
    store: ctx.store,
    clock: ctx.clock,
    owner: `${hostname()}:${process.pid}:${ctx.newId().slice(0, 8)}`,
    dataDir: config.dataDir,
    minRunIntervalMs: config.complianceMinIntervalMs ?? MIN_RUN_INTERVAL_MS,
    leaseMs: DEFAULT_LEASE_MS,
    batchEvents: DEFAULT_BATCH_EVENTS,
    adapterFor: builtInAdapter,
    ...overrides,
  };
}

/** AdapterOutputDirectory resolved: empty means `<dataDir>/compliance`; relative is under dataDir. */
export function outputDirectory(
  dataDir: string,
  config: Pick<ComplianceConfig, 'AdapterOutputDirectory'>,
): string {
  return resolve(
    dataDir,
    config.AdapterOutputDirectory === '' ? 'compliance' : config.AdapterOutputDirectory,
  );
}

/**
 * The adapter contract (spec §5.4): `translate` receives one batch of conversations and writes it
 * out. It may be called again for the same batch (after a crash, a failure or a lost lease) and
 * must then produce the same files under the same names, which is what makes the archive hold
 * every event exactly once. File adapters share the naming and atomic writing here and differ
 * only in how they render conversations and attachment manifests.
 */
import type { ComplianceAdapterType, ComplianceConfig } from '../domain/compliance-config.ts';
import { fileTransfers, type ComplianceBatch, type ComplianceConversation } from './batch.ts';
import { writeFileAtomic } from './output.ts';
import { fileStamp } from './times.ts';

export interface AdapterOutput {
  /** The folder files go to (created when missing). */
  readonly directory: string;
  /** Distinguishes this writer's temporary files from another node's. */
  readonly tempTag: string;
}

export interface ComplianceAdapter {
  readonly type: ComplianceAdapterType;
  /** Writes the batch; returns the paths written. */
  translate(batch: ComplianceBatch, config: ComplianceConfig, output: AdapterOutput): Promise<string[]>;
}

export interface Rendering {
  /** File name extension of the main output, with the dot. */
  readonly extension: string;
  render(
    batch: ComplianceBatch,
    conversations: readonly ComplianceConversation[],
    config: ComplianceConfig,
  ): string;
  /** The `.ATTACH` manifest of the given file transfers. */
  manifest(
    batch: ComplianceBatch,
    transfers: ReturnType<typeof fileTransfers>,
    config: ComplianceConfig,
  ): string;
}

/** `stoa-compliance-<planned at>-<batch number>[-<room id>]`: sorts by time, stable per batch. */
export function outputBaseName(batch: ComplianceBatch, roomId?: string | null): string {
  const base = `stoa-compliance-${fileStamp(batch.plannedAt)}-${String(batch.number).padStart(10, '0')}`;
  if (roomId === undefined) return base;
  return `${base}-${roomId === null ? 'no-room' : roomId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export function fileAdapter(type: ComplianceAdapterType, rendering: Rendering): ComplianceAdapter {
  return {
    type,
    async translate(batch, config, output) {
      const files: { base: string; conversations: readonly ComplianceConversation[] }[] =
        config.OneChatRoomPerOutputFile
          ? batch.conversations.map((c) => ({
              base: outputBaseName(batch, c.channel.roomId),
              conversations: [c],
            }))
          : [{ base: outputBaseName(batch), conversations: batch.conversations }];
      const written: string[] = [];
      for (const { base, conversations } of files) {
        const content = rendering.render(batch, conversations, config);
        written.push(
          await writeFileAtomic(output.directory, base + rendering.extension, content, output.tempTag),
        );
        const transfers = config.CreateFileAttachmentsManifest ? fileTransfers(conversations) : [];
        if (transfers.length > 0) {
          const manifest = rendering.manifest(batch, transfers, config);
          written.push(await writeFileAtomic(output.directory, `${base}.ATTACH`, manifest, output.tempTag));
        }
      }
      return written;
    },
  };
}

/** AdapterType `none`: the spec's "no adapter, no compliance data saved" — events are discarded. */
export const discardAdapter: ComplianceAdapter = {
  type: 'none',
  translate: () => Promise.resolve([]),
};

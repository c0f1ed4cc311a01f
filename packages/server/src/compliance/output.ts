/**
 * Atomic output files: the content goes to a temporary name in the same folder, is synced to
 * disk, then renamed over the final name (and the folder synced), so a reader — or a crash —
 * never sees half a file. Writing the same name again replaces the file in one step.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export async function writeFileAtomic(
  directory: string,
  name: string,
  content: string,
  tempTag: string,
): Promise<string> {
  await mkdir(directory, { recursive: true });
  const final = join(directory, name);
  const temp = join(directory, `.${name}.${tempTag}.tmp`);
  try {
    const file = await open(temp, 'w');
    try {
      await file.writeFile(content, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, final);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(directory);
  return final;
}

/** Makes a rename durable. Not every platform can open a folder for syncing; that is not an error. */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // best effort (e.g. Windows)
  } finally {
    await handle?.close();
  }
}

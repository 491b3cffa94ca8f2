import type { Command } from 'commander';
import { reportingErrors } from './errors.js';

/** `stead blob-key new <file>`: the key `stead broker --blob-key <file>` seals session blobs with. */
export function defineBlobKey(program: Command): void {
  program
    .command('blob-key')
    .description('manage the key that seals session blobs (docs/sessions.md)')
    .command('new <file>')
    .description('write 32 random bytes to a new file (mode 0600); never overwrites')
    .action((file: string) =>
      reportingErrors(async () => {
        const { newBlobKeyFile } = await import('../broker/index.js');
        await newBlobKeyFile(file);
      }),
    );
}

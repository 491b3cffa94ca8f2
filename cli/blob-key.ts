import type { Command } from 'commander';

/** `stead blob-key new <file>`: the key `stead broker --blob-key <file>` seals session blobs with. */
export function defineBlobKey(program: Command): void {
  program
    .command('blob-key')
    .description('manage the key that seals session blobs (docs/sessions.md)')
    .command('new <file>')
    .description('write 32 random bytes to a new file (mode 0600); never overwrites')
    .action(async (file: string) => {
      const { newBlobKeyFile } = await import('../broker/index.js');
      try {
        await newBlobKeyFile(file);
      } catch (error) {
        process.stderr.write(`${(error as { code?: string }).code ?? 'error'}: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}

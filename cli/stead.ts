/**
 * `stead`: the one front door (DESIGN §2). One file per subcommand, each over one typed function
 * the package exports; each loads its side (broker/ or device/) only when it runs.
 */
import { Command, CommanderError } from 'commander';
import { defineBlobKey } from './blob-key.js';
import { defineBroker } from './broker.js';
import { defineCall } from './call.js';
import { defineSession } from './session.js';
import { defineKeys } from './keys.js';
import { defineProxyInspect } from './proxy-inspect.js';
import { defineStatus } from './status.js';
import { defineSimulate } from './simulate.js';
import { defineDevice } from './device.js';
import { defineFlash } from './flash.js';
import { USAGE_EXIT_CODE } from './exit-codes.js';

const program = new Command()
  .name('stead')
  .description('Stead: durable, exactly-once proxies for dumb gadgets, over MQTT')
  .showHelpAfterError()
  // Subcommands defined after this inherit it: usage errors exit with USAGE_EXIT_CODE.
  .exitOverride();

defineBroker(program);
defineCall(program);
defineSession(program);
defineKeys(program);
defineStatus(program);
defineProxyInspect(program);
defineBlobKey(program);
defineSimulate(program);
defineDevice(program);
defineFlash(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  process.exitCode = error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
}

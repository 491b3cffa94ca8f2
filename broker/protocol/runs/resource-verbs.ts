import { Verb, type ResourceFrame } from '../../../shared/wire/frames.js';
import type { ProxyRecord } from '../../record/record.js';
import type { TransactionResources } from '../../transaction/resources.js';
import { Transaction, type Outcome, type TransactionEnv } from '../../transaction/transaction.js';

/**
 * A resource request over the wire (DESIGN §6), as a transaction of its own: the same verbs and
 * checks as from app code. Synchronous: no app code runs.
 */
export function performResource(env: TransactionEnv, record: ProxyRecord, frame: ResourceFrame): Outcome {
  const tx = new Transaction(env, record, null);
  try {
    return tx.finish(verb(tx.resources, frame));
  } catch (error) {
    return tx.fail(error);
  }
}

/** The verb, on the parts of the address the decision checked it has. */
function verb(resources: TransactionResources, frame: ResourceFrame): unknown {
  const session = frame.session as string;
  const key = frame.key as string;
  switch (frame.verb) {
    case Verb.new:
      return resources.newSession();
    case Verb.source:
      return resources.source(session, key);
    case Verb.sink:
      resources.sink(session, key, frame.value, { ttlMs: frame.options?.ttl, once: frame.options?.once });
      return null;
    case Verb.exists:
      return resources.exists(session, key);
    case Verb.delete:
      return resources.delete(session, key);
    case Verb.list:
      return frame.session === null ? resources.sessions(frame.options?.after ?? null) : resources.keys(frame.session);
  }
}

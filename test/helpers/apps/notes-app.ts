import { defineProxy } from '../../../broker/index.js';

/** A proxy app that notifies on demand, for the notification tests: nothing but queues. */
export default defineProxy({
  name: 'notes',
  init: () => ({ sent: 0 }),
  methods: {
    /** Queues each payload, in order, for `session`. */
    send: {
      args: ['array', 'string'],
      run(ctx, payloads: unknown[], session: string) {
        for (const payload of payloads) ctx.notify(payload, session);
        ctx.state.sent += payloads.length;
      },
    },
    /** The payloads waiting (not acknowledged) in the session's queue. */
    outq: { args: ['string'], run: (ctx, session: string) => ctx.outq(session).map((n) => n.payload) },
    /** How many notifications wait in the session's queue. */
    queued: { args: ['string'], run: (ctx, session: string) => ctx.outq(session).length },
  },
});

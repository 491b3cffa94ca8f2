import type { Topics } from '../../shared/topics.js';

/** Sends one session's bytes; bound to one proxy. */
export type SessionSend = (session: string, bytes: Uint8Array) => void;

/**
 * The one way out of the runtime: every frame a proxy, or the runtime before any proxy exists,
 * sends to a device leaves here, on its session's `/out` topic.
 */
export class Outbound {
  readonly #topics: Topics;
  readonly #publish: (topic: string, payload: Uint8Array) => void;

  constructor(topics: Topics, publish: (topic: string, payload: Uint8Array) => void) {
    this.#topics = topics;
    this.#publish = publish;
  }

  send(app: string, id: string, session: string, bytes: Uint8Array): void {
    this.#publish(this.#topics.outbound(app, id, session), bytes);
  }

  /** A proxy's port: its sessions' topics built (and their names checked) once. */
  bind(app: string, id: string): SessionSend {
    const topics = new Map<string, string>();
    return (session, bytes) => {
      let topic = topics.get(session);
      if (topic === undefined) {
        topic = this.#topics.outbound(app, id, session);
        topics.set(session, topic);
      }
      this.#publish(topic, bytes);
    };
  }
}

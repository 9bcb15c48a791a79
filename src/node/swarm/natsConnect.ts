import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';

/** Who connects to a swarm's NATS server, and where. */
export interface SwarmServer {
  /** nats://host:4222 */
  url: string;
  /** A user of the server config (`nats/class.conf`: teacher, student); '' for none. */
  user: string;
  pass: string;
}

/**
 * Connects to the swarm's NATS server over TCP (transport-node), and keeps
 * reconnecting for as long as the process lives: a restarted server is
 * found again, and the JetStream clients carry on.
 */
export function connectSwarm(server: SwarmServer, name: string): Promise<NatsConnection> {
  return connect({
    servers: server.url,
    name,
    ...(server.user !== '' ? { user: server.user, pass: server.pass } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
  });
}

/** Resolves after `ms` milliseconds without keeping the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Drains a connection (its pending publications go out), giving up after 2 s (a server that is away) and closing it. */
export async function closeSwarm(nc: NatsConnection): Promise<void> {
  await Promise.race([nc.drain().catch(() => {}), sleep(2000)]);
  if (!nc.isClosed()) await nc.close();
}

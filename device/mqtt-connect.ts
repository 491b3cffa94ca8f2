import { createConnection } from 'node:net';
import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import { DEFAULT_MQTT_PORT } from '../shared/defaults.js';

/**
 * Opens an mqtt.js client. For plain TCP (`mqtt://`, `tcp://`) the socket is made here:
 * `mqtt.connect` loads its WebSocket and TLS stacks on first use, tens of milliseconds that a
 * short-lived process such as `stead call` feels. Other URLs (TLS, WebSocket, a SOCKS proxy) go
 * through `mqtt.connect`. As there, options given override credentials in the URL.
 */
export function openMqttClient(url: string, options: IClientOptions): MqttClient {
  const parsed = parseUrl(url);
  const plainTcp = parsed && (parsed.protocol === 'mqtt:' || parsed.protocol === 'tcp:') && parsed.hostname !== '';
  if (!parsed || !plainTcp || options.socksProxy || process.env.MQTTJS_SOCKS_PROXY) return mqtt.connect(url, options);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = parsed.port ? Number(parsed.port) : DEFAULT_MQTT_PORT;
  const auth: IClientOptions = {};
  if (parsed.username) auth.username = decodeURIComponent(parsed.username);
  if (parsed.password) auth.password = decodeURIComponent(parsed.password);
  return new MqttClient(() => createConnection({ host, port }), { ...auth, ...options, host, port, protocol: 'mqtt' });
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

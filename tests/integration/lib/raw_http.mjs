// HTTP/1.1 on a bare socket (plain or TLS), for requests no HTTP client library would send:
// broken framing, trailers, pipelined bytes behind a request, endless lines.
import net from 'node:net';
import tls from 'node:tls';
import { sleep, until } from './wait.mjs';

// A connection that collects everything the server sends and notes when it closes.
export async function connect(port, { ca } = {}) {
  const socket = ca
    ? tls.connect({ port, host: '127.0.0.1', ca, servername: undefined })
    : net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once(ca ? 'secureConnect' : 'connect', resolve);
    socket.once('error', reject);
  });
  const conn = { socket, received: '', closed: false };
  socket.on('data', (chunk) => { conn.received += chunk.toString('latin1'); });
  socket.on('error', () => {});
  conn.closedPromise = new Promise((resolve) => socket.on('close', () => { conn.closed = true; resolve(); }));
  conn.write = (text) => new Promise((resolve) => {
    if (socket.destroyed) return resolve(false);
    socket.write(text, 'latin1', (err) => resolve(!err));
  });
  // Resolves once the received bytes match `pattern`, or the connection closes, or the time is up.
  conn.until = async (pattern, timeoutMs = 5000) => {
    // Not an error when the time is up: callers assert on what was received.
    await until(() => pattern.test(conn.received) || conn.closed, `${pattern} or a close`, timeoutMs, 5).catch(() => {});
    return conn.received;
  };
  conn.close = () => socket.destroy();
  return conn;
}

// Sends `text`, then waits for the server to close the connection; returns what it sent back.
export async function exchange(port, text, { timeoutMs = 5000, ca } = {}) {
  const conn = await connect(port, { ca });
  await conn.write(text);
  await Promise.race([conn.closedPromise, sleep(timeoutMs)]);
  conn.close();
  return { received: conn.received, closed: conn.closed };
}

// The status codes of every response in `received`, interim ones included.
export function statuses(received) {
  return [...received.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1]));
}

// The value of `name` in the /metrics text for the counter `metric` with `labels`, or 0.
export function counterValue(metricsText, metric, labels) {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  const line = metricsText.split('\n').find((l) => l.startsWith(`${metric}{${wanted}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

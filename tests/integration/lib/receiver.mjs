// An application's webhook receiver: every delivery verified with the official `standardwebhooks`
// package (its Webhook.verify), not with the project's own code. Its answers are scripted: 200 by
// default, or what `answers` says for the next deliveries (a status, or 'hang'); it can go down
// and come back on the same port.
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { until } from './wait.mjs';

// A Standard Webhooks secret: whsec_ and the base64 of 32 random bytes.
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

export class Receiver {
  // secrets: those this receiver verifies with (any one suffices, as during a rotation).
  // tls: { cert, key } (PEM) serves HTTPS instead of HTTP.
  constructor({ secrets, tls }) {
    this.tls = tls;
    this.verifiers = secrets.map((secret) => new Webhook(secret));
    this.deliveries = []; // verified: { id, timestamp, signature, event, body, answered, headers }
    this.unverified = []; // { headers, body, error }: a test failure unless expected
    this.answers = []; // the next deliveries' answers: 200, 500, 410, 'hang', { status, headers }
    this.hanging = new Set();
    this.server = null;
    this.port = 0;
  }

  get url() {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}/hooks/recordings`;
  }

  async start(port = 0) {
    const handle = (req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', () => this.#receive(req, res, Buffer.concat(chunks).toString('utf8')));
    };
    this.server = this.tls ? https.createServer(this.tls, handle) : http.createServer(handle);
    await new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    return this;
  }

  // Down: the port refuses connections until up() listens on it again.
  async stop() {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
    this.server?.closeAllConnections();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve()));
    this.server = null;
  }

  async up() {
    return this.start(this.port);
  }

  #receive(req, res, body) {
    const headers = {
      'webhook-id': req.headers['webhook-id'],
      'webhook-timestamp': req.headers['webhook-timestamp'],
      'webhook-signature': req.headers['webhook-signature'],
    };
    let event = null;
    const errors = [];
    for (const verifier of this.verifiers) {
      try {
        event = verifier.verify(body, headers);
        break;
      } catch (e) {
        errors.push(e.message);
      }
    }
    if (event === null) {
      this.unverified.push({ headers, body, error: errors.join('; ') });
      res.writeHead(400);
      return res.end('signature not verified');
    }
    const answer = this.answers.length > 0 ? this.answers.shift() : 200;
    this.deliveries.push({ id: headers['webhook-id'], timestamp: Number(headers['webhook-timestamp']), signature: headers['webhook-signature'], event, body, answered: answer, headers: req.headers });
    if (answer === 'hang') {
      this.hanging.add(res);
      return;
    }
    const { status, headers: extra = {} } = typeof answer === 'object' ? answer : { status: answer };
    res.writeHead(status, extra);
    res.end(status < 300 ? 'ok' : 'no');
  }

  // Every delivery of one event (its webhook-id), whatever was answered.
  attempts(id) {
    return this.deliveries.filter((d) => d.id === id);
  }

  // Deliveries answered 2xx, of `type` (and for `sid`'s room, when given).
  accepted(type, sid) {
    return this.deliveries.filter((d) => typeof d.answered === 'number' && d.answered < 300 && d.event.type === type &&
      (sid === undefined || (d.event.data.sid ?? d.event.data.room?.sid) === sid));
  }

  // The session's room_session.finished events accepted, once `count` have arrived.
  async finished(sid, { count = 1, timeoutMs = 10000 } = {}) {
    await until(() => this.accepted('room_session.finished', sid).length >= count,
      `${count} room_session.finished for ${sid} (got ${this.deliveries.length} deliveries)`, timeoutMs, 20);
    return this.accepted('room_session.finished', sid).map((d) => d.event);
  }
}

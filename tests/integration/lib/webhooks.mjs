// Webhooks as livekit-server sends them: protobuf JSON of WebhookEvent, signed with the SDK's
// AccessToken carrying only the sha256 claim (iss, nbf, exp = now + 5 min), bare token in the
// Authorization header, Content-Type application/webhook+json.
import { createHash, randomBytes } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';
import { Room, WebhookEvent } from '@livekit/protocol';
import * as jose from 'jose';
import { sleep } from './wait.mjs';

export const sha256 = (body) => createHash('sha256').update(body).digest('base64');
const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000));

export function eventId() {
  return `EV_${randomBytes(6).toString('hex')}`;
}

export function roomSid() {
  return `RM_${randomBytes(6).toString('hex')}`;
}

// The JSON body of a webhook event, as livekit-server serializes it.
// participant_joined carries the whole ParticipantInfo; track_published the publisher and the
// TrackInfo (livekit-server pkg/telemetry/events.go).
export function eventBody(event, { room, id = eventId(), egressInfo, participant, track } = {}) {
  const message = new WebhookEvent({ event, id, createdAt: nowSeconds() });
  if (room) {
    message.room = new Room({ sid: roomSid(), emptyTimeout: 300, creationTime: nowSeconds(), ...room });
  }
  if (egressInfo) message.egressInfo = egressInfo;
  if (participant) message.participant = participant;
  if (track) message.track = track;
  return message.toJsonString();
}

export async function signBody(body, { apiKey, apiSecret, ttlSeconds = 300 }) {
  const token = new AccessToken(apiKey, apiSecret, { ttl: ttlSeconds });
  token.sha256 = sha256(body);
  return token.toJwt();
}

// For tokens livekit-server would never send (expired, future, other algorithms): jose, the
// JWT library the SDK itself uses.
export async function customToken(claims, secret, { alg = 'HS256' } = {}) {
  return new jose.SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}

export async function post(url, body, { authorization, method = 'POST', contentType = 'application/webhook+json' } = {}) {
  const headers = { 'Content-Type': contentType, 'User-Agent': 'LiveKit' };
  if (authorization !== undefined) headers.Authorization = authorization;
  const started = performance.now();
  const res = await fetch(url, { method, headers, body: method === 'GET' ? undefined : body });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, ms: performance.now() - started };
}

// Signs and posts an event; returns the HTTP answer.
export async function sendEvent(recorder, event, options = {}) {
  const body = eventBody(event, options);
  const token = await signBody(body, recorder.webhookAuth);
  return post(`${recorder.url}/webhook-receiver`, body, { authorization: options.bearer ? `Bearer ${token}` : token });
}

// Delivers like livekit-server: up to 5 attempts, waiting 1, 2, 4, 8 s, retrying on connection
// errors, 429 and 5xx (not 501); any other status counts as delivered. Returns every answer.
// `url` may be a function of the attempt number: a Kubernetes Service picking a replica.
export async function deliver(url, body, authorization, { waits = [1000, 2000, 4000, 8000] } = {}) {
  const answers = [];
  for (let attempt = 0; ; attempt += 1) {
    let answer;
    try {
      answer = await post(typeof url === 'function' ? url(attempt) : url, body, { authorization });
    } catch (e) {
      answer = { status: 0, error: e.cause?.code ?? e.message };
    }
    answers.push(answer);
    const retry = answer.status === 0 || answer.status === 429 || (answer.status >= 500 && answer.status !== 501);
    if (!retry || attempt >= waits.length) return answers;
    await sleep(waits[attempt]); // LiveKit's own wait between retries
  }
}

// Signs an event once (as livekit-server does) and delivers it with LiveKit's retry policy.
export async function deliverEvent(recorder, event, options = {}) {
  const body = eventBody(event, options);
  const token = await signBody(body, recorder.webhookAuth);
  return deliver(`${recorder.url}/webhook-receiver`, body, token, options);
}

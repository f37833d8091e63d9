// A LiveKit server stand-in for the Twirp API the recorder calls, built on LiveKit's official
// npm packages: tokens are checked with the SDK's TokenVerifier and every request body is parsed
// with @livekit/protocol's fromJson in strict mode, so a misspelled or unknown field fails the
// test instead of being silently dropped as the real server would.
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { sleep, until } from './wait.mjs';
import { TokenVerifier } from 'livekit-server-sdk';
import {
  EgressInfo,
  EgressStatus,
  FileInfo,
  ListEgressRequest,
  ListEgressResponse,
  ListParticipantsRequest,
  ListParticipantsResponse,
  ListRoomsRequest,
  ListRoomsResponse,
  ParticipantEgressRequest,
  ParticipantInfo,
  ParticipantInfo_Kind,
  TrackEgressRequest,
  TrackInfo,
  TrackType,
  Room,
  RoomCompositeEgressRequest,
  StartEgressRequest,
  StopEgressRequest,
  EncodedFileOutput,
  StreamOutput,
  TemplateSource,
  WebSource,
} from '@livekit/protocol';

const STRICT = { ignoreUnknownFields: false };
const ACTIVE = [EgressStatus.EGRESS_STARTING, EgressStatus.EGRESS_ACTIVE, EgressStatus.EGRESS_ENDING];
const REPLY = { useProtoFieldName: true, emitDefaultValues: true };

function twirpError(res, status, code, msg) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ code, msg }));
}

export class LiveKitStandIn {
  // tls: { key, cert } (PEM) serves HTTPS instead of HTTP. requireRooms: starting an egress for
  // a room that addRoom() did not create answers not_found, as LiveKit does for a closed room.
  // egressApi: what the unified StartEgress is on this server: 'legacy' (up to 1.12: no handler,
  // 404 bad_route), 'stub' (1.13.0 and 1.13.1: HTTP 500 unknown "not implemented"), or 'unified'
  // (1.13.2+: it starts the egress).
  constructor({ apiKey = 'APIstandin', apiSecret = 'standin-secret-0123456789abcdef', tls, requireRooms = false, egressApi = 'legacy' } = {}) {
    this.egressApi = egressApi;
    this.tls = tls;
    this.requireRooms = requireRooms;
    this.apiKey = apiKey;
    this.apiSecret = apiSecret;
    this.verifier = new TokenVerifier(apiKey, apiSecret);
    this.calls = []; // every call: { method, auth, body, error? }
    this.egresses = []; // EgressInfo of every egress started
    this.rooms = new Map(); // name -> Room
    this.faults = []; // { method, times, delayMs, status, code, msg }
    this.strictErrors = []; // bodies the protocol refused: a test failure
    this.preexisting = []; // egresses not started by the recorder (addEgress)
    // The storage of egress's own configuration (its `storage:` section), e.g. { case: 's3',
    // bucket: 'b' }: where egress uploads a file whose request carries no upload.
    this.egressStorage = null;
    this.participants = new Map(); // room name -> [ParticipantInfo]
  }

  // A participant joins a room (kind: ParticipantInfo_Kind; tracks: [{ type: 'audio'|'video' }]);
  // returns its ParticipantInfo, for a participant_joined webhook. Every egress's own hidden
  // participant joins this way too (kind EGRESS), as livekit-server's does.
  join(roomName, identity, { kind = ParticipantInfo_Kind.STANDARD, attributes = {}, tracks = [] } = {}) {
    const info = new ParticipantInfo({
      sid: `PA_${randomBytes(6).toString('hex')}`, identity, kind, attributes,
      joinedAt: BigInt(Math.floor(Date.now() / 1000)), joinedAtMs: BigInt(Date.now()),
    });
    for (const track of tracks) this.publish(info, track.type);
    const list = this.participants.get(roomName) ?? [];
    list.push(info);
    this.participants.set(roomName, list);
    return info;
  }

  // The participant publishes a track; returns its TrackInfo, for a track_published webhook.
  publish(participant, type = 'audio') {
    const track = new TrackInfo({ sid: `TR_${randomBytes(6).toString('hex')}`, type: type === 'audio' ? TrackType.AUDIO : TrackType.VIDEO });
    participant.tracks.push(track);
    return track;
  }

  // The participant leaves: its participant and track egresses end with it, complete.
  leave(roomName, participant) {
    this.participants.set(roomName, (this.participants.get(roomName) ?? []).filter((p) => p.sid !== participant.sid));
    const trackIds = participant.tracks.map((t) => t.sid);
    for (const egress of this.egresses) {
      if (egress.roomName !== roomName || !ACTIVE.includes(egress.status)) continue;
      if (this.subjectOf(egress) === participant.identity || trackIds.includes(this.subjectOf(egress))) {
        this.endEgress(egress.egressId, EgressStatus.EGRESS_COMPLETE);
      }
    }
  }

  // Whom an egress records: a participant's identity, a track's id, or undefined for a room.
  subjectOf(egress) {
    const request = egress.request;
    if (request.case === 'participant') return request.value.identity;
    if (request.case === 'track') return request.value.trackId;
    if (request.case === 'egress' && request.value.source.case === 'media') {
      return request.value.source.value.video?.value?.identity ?? request.value.source.value.audio?.routes?.[0]?.match?.value;
    }
    return undefined;
  }

  // The participant and track egresses started, by the identity or track id they record.
  subjectStarts(subject) {
    return this.egresses.filter((e) => this.subjectOf(e) === subject);
  }

  async start() {
    const listener = (req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        this.#handle(req, Buffer.concat(chunks).toString('utf8'), res).catch((e) => {
          twirpError(res, 500, 'internal', String(e));
        });
      });
    };
    this.server = this.tls ? https.createServer(this.tls, listener) : http.createServer(listener);
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
    return this;
  }

  async stop() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // Make the next `times` calls of `method` wait and/or fail like a real LiveKit would, or like
  // what stands between LiveKit and the recorder:
  //   earlyHints   a 103 Early Hints goes out first, as a CDN or proxy sends
  //   loseAnswer   the call is carried out (the egress is created), then the connection drops
  //                before the answer: a proxy restart, an idle-timeout race
  //   reset        the connection drops before the call is carried out
  //   html502      a proxy's HTML 502 Bad Gateway instead of LiveKit's answer
  //   hang         no answer at all (until the recorder gives up)
  //   garbage      200 with a body that is not the method's reply
  inject({ method = 'StartRoomCompositeEgress', times = 1, delayMs = 0, status, code, msg, earlyHints = false,
    loseAnswer = false, reset = false, html502 = false, hang = false, garbage = false }) {
    this.faults.push({ method, times, delayMs, status, code, msg, earlyHints, loseAnswer, reset, html502, hang, garbage });
  }

  addRoom(name, fields = {}) {
    const room = new Room({ name, sid: `RM_${randomBytes(6).toString('hex')}`, ...fields });
    this.rooms.set(name, room);
    return room;
  }

  // The room closes: it leaves ListRooms and its room-composite egresses end with it, as egress
  // ends them: EGRESS_COMPLETE with their files uploaded, or `status` (a failure as it closes).
  removeRoom(name, { status = EgressStatus.EGRESS_COMPLETE, error = '' } = {}) {
    const room = this.rooms.get(name);
    this.rooms.delete(name);
    for (const egress of this.egresses) {
      const ofRoom = room ? egress.roomId === room.sid || (!egress.roomId && egress.roomName === name) : egress.roomName === name;
      if (ofRoom && ACTIVE.includes(egress.status)) this.endEgress(egress.egressId, status, error);
    }
  }

  // An egress ends (e.g. EGRESS_FAILED); returns its EgressInfo for an egress_ended webhook. A
  // complete one has its files uploaded: a size and duration, as egress reports them; unless
  // `empty`: egress#944's EGRESS_COMPLETE with a file of size 0.
  endEgress(egressId, status, error = '', errorCode = 0, { empty = false } = {}) {
    const egress = [...this.egresses, ...this.preexisting].find((e) => e.egressId === egressId);
    egress.status = status;
    egress.error = error;
    egress.errorCode = errorCode;
    egress.endedAt = BigInt(Date.now()) * 1000000n;
    egress.updatedAt = egress.endedAt;
    if (status === EgressStatus.EGRESS_COMPLETE) {
      for (const file of egress.fileResults) {
        file.size = empty ? 0n : 1000n + BigInt(file.filename.length);
        file.duration = egress.endedAt - egress.startedAt;
        file.endedAt = egress.endedAt;
      }
    } else {
      for (const file of egress.fileResults) file.location = ''; // nothing was uploaded
    }
    return egress;
  }

  // A copy of the egress as LiveKit would report it now, for an egress_* webhook.
  snapshot(egressId) {
    return this.egresses.find((e) => e.egressId === egressId).clone();
  }

  // LiveKit forgets ended egresses (its sweeper deletes those ended more than 24 h ago).
  forgetEndedEgresses() {
    this.egresses = this.egresses.filter((e) => ACTIVE.includes(e.status));
  }

  // An egress someone else started (the application, LiveKit's auto-egress, ...). kind:
  // roomComposite, template or web (StartEgress, livekit-server 1.13.2+), or track.
  addEgress(roomName, { status = EgressStatus.EGRESS_ACTIVE, kind = 'roomComposite', roomId = '' } = {}) {
    const requests = {
      roomComposite: () => ({ case: 'roomComposite', value: new RoomCompositeEgressRequest({ roomName }) }),
      template: () => ({ case: 'egress', value: new StartEgressRequest({ roomName, source: { case: 'template', value: new TemplateSource({ layout: 'grid' }) } }) }),
      web: () => ({ case: 'egress', value: new StartEgressRequest({ roomName, source: { case: 'web', value: new WebSource({ url: 'https://example.com/board' }) } }) }),
      track: () => ({ case: 'track', value: { roomName, trackId: 'TR_x' } }),
    };
    const info = new EgressInfo({ egressId: `EG_${randomBytes(6).toString('hex')}`, roomName, roomId, status, request: requests[kind]() });
    this.preexisting.push(info);
    return info;
  }

  // Room names mapped to how many room-composite egresses this service started for each.
  startCounts() {
    const counts = new Map();
    for (const e of this.egresses) {
      if (this.subjectOf(e) === undefined) counts.set(e.roomName, (counts.get(e.roomName) ?? 0) + 1);
    }
    return counts;
  }

  // The room-composite egresses this service started for the room.
  startsFor(roomName) {
    return this.egresses.filter((e) => e.roomName === roomName && this.subjectOf(e) === undefined);
  }

  // The calls of `method` about `roomName` that parsed, answered or not (a retried start counts
  // each try), in arrival order.
  callsFor(method, roomName) {
    return this.calls.filter((c) => c.method === method && c.request?.roomName === roomName);
  }

  // The parsed RoomCompositeEgressRequest bodies (or, with method 'StartEgress', the
  // StartEgressRequest ones), in arrival order.
  startRequests(method = 'StartRoomCompositeEgress') {
    return this.calls.filter((c) => c.method === method && c.request)
      .map((c) => c.request);
  }

  async waitForStarts(count, timeoutMs = 5000) {
    await until(() => this.egresses.length >= count, `${count} egress starts (saw ${this.egresses.length} so far)`, timeoutMs);
  }

  async #handle(req, body, res) {
    const match = /^\/twirp\/livekit\.(Egress|RoomService)\/(\w+)$/.exec(req.url);
    const call = { method: match?.[2] ?? req.url, headers: req.headers, body };
    this.calls.push(call);
    if (req.method !== 'POST' || !match) return twirpError(res, 404, 'bad_route', 'no such route');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return twirpError(res, 404, 'bad_route', 'unsupported content type');
    }
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) {
      return twirpError(res, 401, 'unauthenticated', 'authorization header must be Bearer');
    }
    try {
      call.claims = await this.verifier.verify(auth.slice('Bearer '.length));
    } catch (e) {
      return twirpError(res, 401, 'unauthenticated', `invalid token: ${e.message}`);
    }

    const grant = call.claims.video ?? {};
    if (call.method === 'StartEgress' && this.egressApi === 'stub') {
      return twirpError(res, 500, 'unknown', 'not implemented');
    }
    const handlers = {
      StartRoomCompositeEgress: [RoomCompositeEgressRequest, 'roomRecord', (r) => this.#start(r)],
      ...(this.egressApi === 'unified' ? { StartEgress: [StartEgressRequest, 'roomRecord', (r) => this.#startUnified(r)] } : {}),
      ListEgress: [ListEgressRequest, 'roomRecord', (r) => this.#listEgress(r)],
      StopEgress: [StopEgressRequest, 'roomRecord', (r) => this.#stop(r)],
      ListRooms: [ListRoomsRequest, 'roomList', (r) => this.#listRooms(r)],
      StartParticipantEgress: [ParticipantEgressRequest, 'roomRecord', (r) => this.#startParticipant(r)],
      StartTrackEgress: [TrackEgressRequest, 'roomRecord', (r) => this.#startTrack(r)],
      ListParticipants: [ListParticipantsRequest, 'roomAdmin', (r) => this.#listParticipants(r, grant)],
    };
    const handler = handlers[call.method];
    if (!handler) return twirpError(res, 404, 'bad_route', `no handler for path ${req.url}`);
    const [type, needed, run] = handler;
    if (grant[needed] !== true) {
      return twirpError(res, 401, 'unauthenticated', `permissions denied: ${needed} required`);
    }
    let request;
    try {
      request = type.fromJsonString(body, STRICT);
    } catch (e) {
      this.strictErrors.push({ method: call.method, body, error: e.message });
      return twirpError(res, 400, 'malformed', e.message);
    }
    call.request = request;

    const fault = this.faults.find((f) => f.method === call.method && f.times > 0);
    if (fault) {
      fault.times -= 1;
      if (fault.delayMs) await sleep(fault.delayMs); // the injected slowness itself
      if (fault.earlyHints) res.writeEarlyHints({ link: '</recordings.css>; rel=preload' });
      if (fault.hang) return;
      if (fault.garbage) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end('{"rooms": "not a list"');
      }
      if (fault.reset) return req.socket.destroy();
      if (fault.html502) {
        res.writeHead(502, { 'Content-Type': 'text/html' });
        return res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      }
      if (fault.loseAnswer) {
        run(request);
        return req.socket.destroy();
      }
      if (fault.code) return twirpError(res, fault.status ?? 503, fault.code, fault.msg ?? fault.code);
    }
    const reply = run(request);
    if (reply === null) return twirpError(res, 404, 'not_found', 'requested room does not exist');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(reply.toJson(REPLY)));
  }

  #start(request) {
    const files = request.fileOutputs.map((file) => ({ filepath: file.filepath, upload: file.output }));
    return this.#startEgress(request, { case: 'roomComposite', value: request }, files);
  }

  #startParticipant(request) {
    const files = request.fileOutputs.map((file) => ({ filepath: file.filepath, upload: file.output }));
    return this.#startEgress(request, { case: 'participant', value: request }, files);
  }

  #startTrack(request) {
    const file = request.output.case === 'file' ? request.output.value : null;
    const files = file ? [{ filepath: file.filepath, upload: file.output }] : [];
    return this.#startEgress(request, { case: 'track', value: request }, files);
  }

  // ListParticipants: the token must name the room (roomAdmin is for one room).
  #listParticipants(request, grant) {
    if (grant.room !== request.room) throw new Error(`ListParticipants for ${request.room} with a token for room ${grant.room}`);
    if (!this.rooms.has(request.room)) return null;
    return new ListParticipantsResponse({ participants: this.participants.get(request.room) ?? [] });
  }

  // StartEgress: a template source is the room composite, a media source one participant; each
  // output's storage is beside it.
  #startUnified(request) {
    if (!['template', 'media'].includes(request.source.case)) throw new Error(`the stand-in starts template and media sources only, not ${request.source.case}`);
    const files = request.outputs.filter((o) => o.config.case === 'file')
      .map((o) => ({ filepath: o.config.value.filepath, upload: o.storage?.provider ?? request.storage?.provider }));
    return this.#startEgress(request, { case: 'egress', value: request }, files);
  }

  #startEgress(request, requestCase, files) {
    const room = this.rooms.get(request.roomName);
    if (this.requireRooms && !room) return null;
    const info = new EgressInfo({
      egressId: `EG_${randomBytes(6).toString('hex')}`,
      roomId: room?.sid ?? '',
      roomName: request.roomName,
      status: EgressStatus.EGRESS_STARTING,
      startedAt: BigInt(Date.now()) * 1000000n,
      request: requestCase,
      fileResults: files.map((file) => new FileInfo({ filename: file.filepath, location: this.#location(file) })),
    });
    this.egresses.push(info);
    return info;
  }

  // Where egress puts a file (egress pkg/config/storage.go): the request's upload when it carries
  // one, else the storage of egress's own configuration, else its local disk.
  #location(file) {
    const upload = file.upload?.case ? file.upload : this.egressStorage;
    if (!upload) return `file:///${file.filepath}`;
    const bucket = upload.value?.bucket ?? upload.value?.containerName ?? upload.bucket;
    return `${upload.case}://${bucket}/${file.filepath}`;
  }

  // StopEgress: the recording ends EGRESS_COMPLETE with what it recorded so far, or, stopped
  // while still starting, EGRESS_ABORTED ("stopped before started", as egress ends it).
  #stop(request) {
    const egress = [...this.egresses, ...this.preexisting].find((e) => e.egressId === request.egressId);
    if (!egress || !ACTIVE.includes(egress.status)) return null;
    const starting = egress.status === EgressStatus.EGRESS_STARTING;
    return this.endEgress(egress.egressId, starting ? EgressStatus.EGRESS_ABORTED : EgressStatus.EGRESS_COMPLETE, starting ? 'Stopped before started' : '');
  }

  // LiveKit's own auto-egress (RoomEgress on CreateRoom): a room composite with a file output,
  // started with the room (its start time now), but listed by ListEgress only `listedAfterMs`
  // later, as LiveKit's own list catches up: the race a start's ListEgress check loses.
  // streamOnly: an RTMP composite instead, which leaves no recording. afterOurStart: listed no
  // sooner than the recorder's own start of the room (the race the check lost; when LiveKit's
  // list wins, no duplicate is made). Resolves once listed.
  async autoEgress(roomName, { listedAfterMs = 200, streamOnly = false, afterOurStart = true, startedAt = BigInt(Date.now()) * 1000000n } = {}) {
    const room = this.rooms.get(roomName);
    const outputs = streamOnly
      ? { streamOutputs: [new StreamOutput({ urls: ['rtmp://live.example.com/app/key'] })] }
      : { fileOutputs: [new EncodedFileOutput({ filepath: `auto/${roomName}.mp4` })] };
    const info = new EgressInfo({
      egressId: `EG_auto_${randomBytes(6).toString('hex')}`, roomName, roomId: room?.sid ?? '',
      status: EgressStatus.EGRESS_ACTIVE, startedAt,
      request: { case: 'roomComposite', value: new RoomCompositeEgressRequest({ roomName, ...outputs }) },
      fileResults: streamOnly ? [] : [new FileInfo({ filename: `auto/${roomName}.mp4` })],
    });
    await sleep(listedAfterMs);
    if (afterOurStart) await until(() => this.startsFor(roomName).length > 0, `the recorder's start of ${roomName}`);
    this.preexisting.push(info);
    return info;
  }

  // LiveKit's own AutoParticipantEgress: a participant egress with a file output, started as the
  // participant published its first track (now), listed by ListEgress only `listedAfterMs` later
  // and no sooner than the recorder's own start of that participant. Resolves once listed.
  async autoParticipantEgress(roomName, identity, { listedAfterMs = 200, startedAt = BigInt(Date.now()) * 1000000n } = {}) {
    const room = this.rooms.get(roomName);
    const info = new EgressInfo({
      egressId: `EG_auto_${randomBytes(6).toString('hex')}`, roomName, roomId: room?.sid ?? '',
      status: EgressStatus.EGRESS_ACTIVE, startedAt,
      request: { case: 'participant', value: new ParticipantEgressRequest({ roomName, identity, fileOutputs: [new EncodedFileOutput({ filepath: `auto/${identity}.mp4` })] }) },
      fileResults: [new FileInfo({ filename: `auto/${identity}.mp4` })],
    });
    await sleep(listedAfterMs);
    await until(() => this.subjectStarts(identity).length > 0, `the recorder's start of ${identity}`);
    this.preexisting.push(info);
    return info;
  }

  #listEgress(request) {
    const items = [...this.preexisting, ...this.egresses].filter((e) => (!request.roomName || e.roomName === request.roomName)
      && (!request.egressId || e.egressId === request.egressId)
      && (!request.active || ACTIVE.includes(e.status)));
    return new ListEgressResponse({ items });
  }

  #listRooms(request) {
    const names = request.names ?? [];
    const rooms = [...this.rooms.values()].filter((r) => names.length === 0 || names.includes(r.name));
    return new ListRoomsResponse({ rooms });
  }
}

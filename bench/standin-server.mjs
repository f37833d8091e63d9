// The LiveKit stand-in in a process of its own, so that its work (token checks, strict parsing of
// every request) does not share an event loop with the load generator. Prints one JSON line
// { url, apiKey, apiSecret, control } when ready. The control endpoint:
//   POST /rooms?prefix=P&count=N[&length=L]  creates N rooms (names padded to L characters),
//                                answers { names: [...], sids: [...] } (only the first 10 with L)
//   POST /delay?ms=M              every StartRoomCompositeEgress answers after M ms
//   GET  /counts?prefix=P         { rooms, recorded, doubled, starts } for rooms named P*
//   POST /forget?prefix=P         the rooms named P* and their egresses are gone, as if never there
//   POST /participants?room=R&count=N  N participants join room R, each publishing a microphone;
//                                answers { participants: [ParticipantInfo as JSON, ...] }
//   GET  /subjects?room=R         { starts, distinct }: participant and track egresses of room R,
//                                and how many participants or tracks they record
//   POST /close?prefix=P          the rooms named P* close, their egresses complete with them;
//                                answers { rooms: [{ name, sid }], egresses: [EgressInfo as JSON] }
import http from 'node:http';
import { LiveKitStandIn } from '../tests/integration/lib/standin.mjs';

const standin = await new LiveKitStandIn({ requireRooms: true }).start();
standin.calls = { push() {} }; // a benchmark sends far too many calls to keep them all

const control = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const reply = (value) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
  if (url.pathname === '/rooms') {
    const prefix = url.searchParams.get('prefix');
    const count = Number(url.searchParams.get('count'));
    const length = Number(url.searchParams.get('length') ?? 0);
    const names = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`.padEnd(length, 'x'));
    const sids = names.map((name) => standin.addRoom(name).sid);
    return reply(length ? { names: names.slice(0, 10), sids: sids.slice(0, 10) } : { names, sids });
  }
  if (url.pathname === '/delay') {
    standin.faults.length = 0;
    standin.inject({ method: 'StartRoomCompositeEgress', times: Number.MAX_SAFE_INTEGER, delayMs: Number(url.searchParams.get('ms')) });
    return reply({});
  }
  if (url.pathname === '/counts') {
    const prefix = url.searchParams.get('prefix');
    const counts = new Map();
    for (const e of standin.egresses) if (e.roomName.startsWith(prefix)) counts.set(e.roomName, (counts.get(e.roomName) ?? 0) + 1);
    const rooms = [...standin.rooms.keys()].filter((n) => n.startsWith(prefix)).length;
    return reply({ rooms, recorded: counts.size, doubled: [...counts.values()].filter((n) => n > 1).length, starts: [...counts.values()].reduce((a, b) => a + b, 0) });
  }
  if (url.pathname === '/participants') {
    const room = url.searchParams.get('room');
    const count = Number(url.searchParams.get('count'));
    const joined = Array.from({ length: count }, (_, i) => standin.join(room, `speaker-${i}`, { tracks: [{ type: 'audio' }] }));
    return reply({ participants: joined.map((p) => p.toJson()) });
  }
  if (url.pathname === '/subjects') {
    const room = url.searchParams.get('room');
    const subjects = standin.egresses.filter((e) => e.roomName === room).map((e) => standin.subjectOf(e)).filter((s) => s !== undefined);
    return reply({ starts: subjects.length, distinct: new Set(subjects).size });
  }
  if (url.pathname === '/close') {
    const prefix = url.searchParams.get('prefix');
    const rooms = [...standin.rooms.entries()].filter(([name]) => name.startsWith(prefix)).map(([name, room]) => ({ name, sid: room.sid }));
    for (const { name } of rooms) standin.removeRoom(name);
    const egresses = standin.egresses.filter((e) => e.roomName.startsWith(prefix)).map((e) => e.toJson());
    return reply({ rooms, egresses });
  }
  if (url.pathname === '/forget') {
    const prefix = url.searchParams.get('prefix');
    for (const name of [...standin.rooms.keys()]) if (name.startsWith(prefix)) standin.rooms.delete(name);
    standin.egresses = standin.egresses.filter((e) => !e.roomName.startsWith(prefix));
    return reply({});
  }
  res.writeHead(404).end();
});
await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));
console.log(JSON.stringify({ url: standin.url, apiKey: standin.apiKey, apiSecret: standin.apiSecret, control: `http://127.0.0.1:${control.address().port}` }));

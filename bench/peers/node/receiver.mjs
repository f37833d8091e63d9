// The peer: what a Node user would write with LiveKit's official SDK. node:http, WebhookReceiver
// to verify, EgressClient to start a room composite recording on room_started. No dedupe, no
// retries, no reconciler: the few lines the README of livekit-server-sdk suggests.
//   LIVEKIT_HOST, LIVEKIT_API_KEY, LIVEKIT_API_SECRET, S3_BUCKET, PORT
import http from 'node:http';
import { EgressClient, EncodedFileOutput, S3Upload, WebhookReceiver } from 'livekit-server-sdk';

const { LIVEKIT_HOST, LIVEKIT_API_KEY, LIVEKIT_API_SECRET, S3_BUCKET, PORT } = process.env;
const receiver = new WebhookReceiver(LIVEKIT_API_KEY, LIVEKIT_API_SECRET);
const egress = new EgressClient(LIVEKIT_HOST, LIVEKIT_API_KEY, LIVEKIT_API_SECRET);

function record(roomName) {
  const file = new EncodedFileOutput({
    filepath: 'recordings/{room_name}-{time}',
    output: { case: 's3', value: new S3Upload({ bucket: S3_BUCKET }) },
  });
  egress.startRoomCompositeEgress(roomName, { file }, { layout: 'grid' })
    .catch((e) => console.error(`start failed for ${roomName}: ${e.message}`));
}

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const event = await receiver.receive(Buffer.concat(chunks).toString('utf8'), req.headers.authorization);
      res.writeHead(200).end('ok');
      if (event.event === 'room_started' && event.room) record(event.room.name);
    } catch (e) {
      res.writeHead(401).end(String(e.message));
    }
  });
}).listen(Number(PORT), '127.0.0.1', () => console.log(`node peer ready on ${PORT}`));

// Signs a share of illow's pool on its own core: RSA signing is the slow part of preparing a run.
import { createPrivateKey, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const key = createPrivateKey(workerData.privateKey);
parentPort.postMessage(
  workerData.bodies.map((body) => sign('sha1', Buffer.from(body), key).toString('base64')),
);

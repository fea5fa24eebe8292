// Signs a share of a pre-signed pool on its own core (RSA signing is the slow part of preparing a
// run), with the sender definition's own `sign`.
import { parentPort, workerData } from 'node:worker_threads';
import { BUILT_IN_SENDERS } from 'nestjs-webhooks';

const { sender: id, bodies, signing } = workerData;
const sender = BUILT_IN_SENDERS.find((definition) => definition.id === id);
parentPort.postMessage(bodies.map((body) => sender.sign(body, signing)));

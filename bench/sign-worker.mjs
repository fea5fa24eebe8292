// Signs a share of a pre-signed pool on its own core (RSA signing is the slow part of preparing a
// run), as the load generator signs the others: the deliveries numbered from `first`, with the
// sample's headers (deliveries.mjs's `signer`).
import { parentPort, workerData } from 'node:worker_threads';
import { signer } from './deliveries.mjs';

const { sender, bodies, first, signing } = workerData;
const sign = signer(sender, { [sender]: { signing } });
parentPort.postMessage(bodies.map((body, i) => sign(body, first + i)));

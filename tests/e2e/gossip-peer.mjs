// A block-gossip peer that is not Lamina: js-libp2p (TCP, Noise, yamux, identify, ping) with
// the libp2p project's own gossipsub, configured as OP's network runs it — anonymous messages
// (StrictNoSign), OP's topic-bound message id, every message held until validated — and its
// own check of each block: snappy-decoded, the envelope's signature recovered (viem) over OP's
// signing hash and compared with the expected unsafe block signer, the block number and hash
// read from the SSZ payload. A valid block is accepted (so gossipsub relays it to the other
// peers), anything else rejected.
//
// Usage: node gossip-peer.mjs <l2 chain id> <signer address> [multiaddr to dial …]
// Prints one JSON line per event: {"listening": …}, {"connected": …}, {"block": …}, {"rejected": …}.

import './node20.mjs';
import { createHash } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import snappy from 'snappyjs';
import { bytesToHex, concat, keccak256, numberToBytes, recoverAddress } from 'viem';

const [chainArg, signerArg, ...dials] = process.argv.slice(2);
const chainId = BigInt(chainArg);
const signer = signerArg.toLowerCase();
const topics = [0, 1, 2, 3].map((v) => `/optimism/${chainId}/${v}/blocks`);
const MAX_SIZE = 10 * 1024 * 1024;

const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** Snappy-decoded data, or null when it is not snappy or claims more than OP allows. */
function decode(data) {
  // The uvarint length prefix, checked before anything is allocated.
  let len = 0;
  let shift = 0;
  for (let i = 0; i < Math.min(data.length, 5); i++) {
    len += (data[i] & 0x7f) * 2 ** shift;
    shift += 7;
    if ((data[i] & 0x80) === 0) {
      if (len > MAX_SIZE) return null;
      try {
        return snappy.uncompress(data);
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** OP's message id: sha256(domain ++ le64(len(topic)) ++ topic ++ data)[:20]. */
function msgIdFn(msg) {
  const decoded = decode(msg.data);
  const topic = Buffer.from(msg.topic);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(topic.length));
  const h = createHash('sha256');
  h.update(Buffer.from(decoded ? [1, 0, 0, 0] : [0, 0, 0, 0]));
  h.update(len);
  h.update(topic);
  h.update(decoded ?? msg.data);
  return new Uint8Array(h.digest().subarray(0, 20));
}

/** The block in an envelope of topic version `v`, if its signer is ours. */
async function check(v, data) {
  const env = decode(data);
  if (!env || env.length < 65 + 32 * (v >= 2 ? 1 : 0) + 508) return { why: 'malformed' };
  const sig = env.subarray(0, 65);
  const payload = env.subarray(65);
  const domain = new Uint8Array(32);
  const hash = keccak256(
    concat([domain, numberToBytes(chainId, { size: 32 }), keccak256(payload, 'bytes')]),
  );
  let from;
  try {
    from = (await recoverAddress({ hash, signature: bytesToHex(sig) })).toLowerCase();
  } catch {
    return { why: 'bad signature' };
  }
  if (from !== signer) return { why: `signed by ${from}` };
  // The SSZ payload after the beacon root (v3, v4): fixed fields, block number at 404, block
  // hash at 472.
  const p = v >= 2 ? payload.subarray(32) : payload;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const number = Number(view.getBigUint64(404, true));
  return { number, hash: bytesToHex(p.subarray(472, 504)) };
}

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({
      globalSignaturePolicy: 'StrictNoSign',
      asyncValidation: true,
      msgIdFn,
      fallbackToFloodsub: false,
      emitSelf: false,
      D: 8,
      Dlo: 6,
      Dhi: 12,
      Dlazy: 6,
      heartbeatInterval: 500,
    }),
  },
});

const pubsub = node.services.pubsub;
pubsub.addEventListener('gossipsub:message', async (evt) => {
  const { propagationSource, msgId, msg } = evt.detail;
  const v = topics.indexOf(msg.topic);
  const verdict = v < 0 ? { why: 'unknown topic' } : await check(v, msg.data);
  if (verdict.number !== undefined) {
    pubsub.reportMessageValidationResult(msgId, propagationSource.toString(), 'accept');
    say({ block: verdict.number, hash: verdict.hash, from: propagationSource.toString() });
  } else {
    pubsub.reportMessageValidationResult(msgId, propagationSource.toString(), 'reject');
    say({ rejected: verdict.why, from: propagationSource.toString() });
  }
});
node.addEventListener('peer:connect', (evt) => say({ connected: evt.detail.toString() }));
for (const t of topics) pubsub.subscribe(t);

say({ listening: node.getMultiaddrs().map((a) => a.toString()) });
for (const d of dials) {
  await node.dial(multiaddr(d));
}
process.on('SIGTERM', async () => {
  await node.stop();
  process.exit(0);
});

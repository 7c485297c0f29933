// Reference answers from @polkadot/util-crypto and @polkadot/types for the Bittensor ledger cross-check tests.
// Usage: node crosscheck.cjs REQUEST.json  →  prints one JSON answer per request entry, in order.
'use strict';
const fs = require('fs');
const { cryptoWaitReady, keyExtractSuri, keyFromPath, mnemonicToMiniSecret, mnemonicToEntropy,
  sr25519PairFromSeed, sr25519Sign, sr25519Verify, encodeAddress } = require('@polkadot/util-crypto');
const { hexToU8a, u8aToHex } = require('@polkadot/util');
const { TypeRegistry, Metadata, expandMetadata } = require('@polkadot/types');

const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';

function pairFromUri(uri) {
  const { phrase, path, password } = keyExtractSuri(uri.startsWith('//') ? DEV_PHRASE + uri : uri);
  const seed = phrase.startsWith('0x') ? hexToU8a(phrase) : mnemonicToMiniSecret(phrase, password);
  return keyFromPath(sr25519PairFromSeed(seed), path, 'sr25519');
}

const registries = new Map();
function chain(metadataFile) {
  if (!registries.has(metadataFile)) {
    const registry = new TypeRegistry();
    const text = fs.readFileSync(metadataFile, 'utf8').trim();
    let bytes = hexToU8a(text);
    if (bytes[0] === 1) bytes = registry.createType('Option<Bytes>', bytes).unwrap().toU8a(true);
    const metadata = new Metadata(registry, bytes);
    registry.setMetadata(metadata, undefined, undefined, true);
    registries.set(metadataFile, { registry, decorated: expandMetadata(registry, metadata) });
  }
  return registries.get(metadataFile);
}

function extrinsic(r) {
  const { registry, decorated } = chain(r.metadataFile);
  const call = r.call === 'set_weights'
    ? decorated.tx.subtensorModule.setWeights(r.netuid, r.uids, r.weights, r.versionKey)
    : decorated.tx.commitments.setCommitment(r.netuid, { fields: [{ [`Raw${Buffer.byteLength(r.data)}`]: r.data }] });
  const era = registry.createType('ExtrinsicEra', { current: r.blockNumber, period: r.period });
  const payload = registry.createType('ExtrinsicPayload', {
    method: call.toHex(), era, nonce: r.nonce, tip: r.tip, specVersion: r.specVersion,
    transactionVersion: r.transactionVersion, genesisHash: r.genesisHash, blockHash: r.blockHash, mode: 0,
  }, { version: 4 });
  const answer = { call: call.toHex(), era: era.toHex(), payload: u8aToHex(payload.toU8a({ method: true })) };
  if (r.signature) {
    const ext = registry.createType('Extrinsic', call, { version: 4 });
    ext.addSignature(encodeAddress(hexToU8a(r.signer), 42), hexToU8a(r.signature), payload.toHex());
    answer.extrinsic = ext.toHex();
  }
  return answer;
}

const handlers = {
  pair: (r) => {
    const pair = pairFromUri(r.uri);
    return { publicKey: u8aToHex(pair.publicKey), address: encodeAddress(pair.publicKey, 42), secretKey: u8aToHex(pair.secretKey) };
  },
  mnemonic: (r) => ({ miniSecret: u8aToHex(mnemonicToMiniSecret(r.phrase, r.password || '')), entropy: u8aToHex(mnemonicToEntropy(r.phrase)) }),
  sign: (r) => ({ signature: u8aToHex(sr25519Sign(hexToU8a(r.message), pairFromUri(r.uri))) }),
  verify: (r) => ({ valid: sr25519Verify(hexToU8a(r.message), hexToU8a(r.signature), hexToU8a(r.publicKey)) }),
  extrinsic,
};

cryptoWaitReady().then(() => {
  const requests = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  process.stdout.write(JSON.stringify(requests.map((r) => handlers[r.op](r))));
}).catch((e) => { console.error(e.stack || String(e)); process.exit(1); });

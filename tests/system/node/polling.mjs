// Drives vsmock's processing lifecycle with the official Node SDK.
// Usage: node polling.mjs http://127.0.0.1:PORT   (prints one JSON object on stdout)
import OpenAI, { toFile } from 'openai';
import { adminOf } from './shared.mjs';

const base = process.argv[2];
if (!base) throw new Error('usage: node polling.mjs <server url>');

const admin = adminOf(base);

const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });
const upload = async (name, data) =>
  client.files.create({ file: await toFile(Buffer.from(data), name), purpose: 'assistants' });

await admin('POST', '/processing', { polls: 3 });
const alpha = await upload('alpha.txt', 'Alpha centauri is the closest star system to the sun.');
const beta = await upload('beta.md', '# Bananas\nBananas are berries, botanically speaking.');
const gamma = await upload('gamma.txt', 'Gamma rays have the smallest wavelengths.');
const blob = await upload('blob.bin', new Uint8Array([0, 1, 2, 3]));
const delta = await upload('delta.txt', 'Delta is the fourth letter of the Greek alphabet.');

const store = await client.vectorStores.create({ name: 'node polling' });
const file = await client.vectorStores.files.createAndPoll(store.id, { file_id: alpha.id });
const batch = await client.vectorStores.fileBatches.createAndPoll(store.id, {
  file_ids: [beta.id, gamma.id, blob.id],
});
const uploaded = await client.vectorStores.files.uploadAndPoll(
  store.id,
  await toFile(Buffer.from('Epsilon is small.'), 'epsilon.txt'),
);

// Node treats `failed` as final: a forced failure ends its polling too.
await admin('POST', '/processing', { polls: 2, fail: { count: 1, code: 'server_error' } });
const failed = await client.vectorStores.files.createAndPoll(store.id, { file_id: delta.id });

const final = await client.vectorStores.retrieve(store.id);
const hits = await client.vectorStores.search(store.id, { query: 'closest star' });
console.log(JSON.stringify({
  store: final, file, batch, uploaded, failed, hits: hits.data.map((hit) => hit.file_id),
}));

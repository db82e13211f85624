// Drives vsmock's Azure OpenAI routes with the official Node SDK's AzureOpenAI client.
// Usage: node azure.mjs http://127.0.0.1:PORT DOCS_DIR   (prints one JSON object on stdout)
import OpenAI, { AzureOpenAI } from 'openai';
import { adminOf, faqStore } from './shared.mjs';

const base = process.argv[2];
const docs = process.argv[3];
if (!base || !docs) throw new Error('usage: node azure.mjs <server url> <documents dir>');
const apiVersion = '2024-10-21';

const admin = adminOf(base);

/** An API error as plain data (or the unexpected error, rethrown). */
async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return {
      class: error.constructor.name,
      status: error.status,
      param: error.param ?? null,
      code: error.code ?? null,
      type: error.type ?? null,
      message: error.message,
    };
  }
  return null;
}

const client = new AzureOpenAI({ endpoint: base, apiVersion, apiKey: 'sk-azure-node', maxRetries: 0 });

// 1. upload the support FAQ, put it in a store (a batch, polled), search it
const { files, vs, batch, store } = await faqStore(client, docs, 'node azure');
const hits = await client.vectorStores.search(vs.id, { query: 'return an item', max_num_results: 2 });
const attached = await client.vectorStores.files.retrieve(files[0].id, { vector_store_id: vs.id });

// 2. a grounded answer through the Responses API, read back
const response = await client.responses.create({
  model: 'gpt-4.1-mini',
  input: 'How long do I have to return an item?',
  tools: [{ type: 'file_search', vector_store_ids: [vs.id] }],
});
const retrieved = await client.responses.retrieve(response.id);
const inputItems = [];
for await (const item of client.responses.inputItems.list(response.id)) inputItems.push(item);

// 3. a fault armed on the API path hits the Azure route; the next request goes through
await admin('POST', '/faults', { status: 503, count: 1, path_prefix: '/vector_stores', method: 'GET' });
const fault = await failure(client.vectorStores.retrieve(vs.id));
const afterFault = await client.vectorStores.retrieve(vs.id);

// 4. the OpenAI client pointed at the Azure routes sends no api-version
const plain = new OpenAI({ apiKey: 'sk-azure-node', baseURL: `${base}/openai`, maxRetries: 0 });
const missingVersion = await failure(plain.vectorStores.list());

console.log(
  JSON.stringify({
    files: files.map((file) => ({ id: file.id, filename: file.filename, bytes: file.bytes })),
    store: { id: store.id, status: store.status, file_counts: store.file_counts },
    batch: { status: batch.status, file_counts: batch.file_counts },
    hits: hits.data.map((hit) => ({ file_id: hit.file_id, filename: hit.filename })),
    attached: { id: attached.id, status: attached.status },
    response: {
      id: response.id,
      status: response.status,
      output_text: response.output_text,
      types: response.output.map((item) => item.type),
    },
    retrieved: { id: retrieved.id, output_text: retrieved.output_text },
    input_items: inputItems.map((item) => ({ type: item.type, role: item.role })),
    fault,
    after_fault: { id: afterFault.id },
    missing_version: missingVersion,
  }),
);

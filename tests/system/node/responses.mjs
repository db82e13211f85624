// Drives vsmock's Responses API (file_search) with the official Node SDK.
// Usage: node responses.mjs http://127.0.0.1:PORT DOCS_DIR   (prints one JSON object on stdout)
import OpenAI from 'openai';
import { faqStore } from './shared.mjs';

const base = process.argv[2];
const docs = process.argv[3];
if (!base || !docs) throw new Error('usage: node responses.mjs <server url> <documents dir>');

const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 0 });

// 1. the four support-faq documents, in a vector store whose files are all processed
const { files, vs, batch, store } = await faqStore(client, docs, 'node responses');

const request = {
  model: 'gpt-4.1-mini',
  input: 'How long do I have to return an item?',
  tools: [{ type: 'file_search', vector_store_ids: [vs.id] }],
};

/** What the Python side asserts on, from one response. */
function summary(response) {
  const search = response.output.find((item) => item.type === 'file_search_call');
  const message = response.output.find((item) => item.type === 'message');
  return {
    id: response.id,
    status: response.status,
    output_text: response.output_text,
    types: response.output.map((item) => item.type),
    queries: search ? search.queries : null,
    results:
      search && search.results
        ? search.results.map((r) => ({ file_id: r.file_id, filename: r.filename, score: r.score }))
        : search
          ? search.results
          : undefined,
    annotations: message ? message.content.flatMap((part) => part.annotations ?? []) : null,
  };
}

/** An API error as plain data (or the unexpected error, rethrown). */
async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return {
      class: error.constructor.name,
      not_found: error instanceof OpenAI.NotFoundError,
      bad_request: error instanceof OpenAI.BadRequestError,
      status: error.status,
      param: error.param ?? null,
      code: error.code ?? null,
      type: error.type ?? null,
      message: error.message,
    };
  }
  return null;
}

// 2. with the results included; 3. without
const included = await client.responses.create({ ...request, include: ['file_search_call.results'] });
const plain = await client.responses.create(request);

// 4. the strict accumulator: every event, the snapshots, the final response
const helper = client.responses.stream({ ...request, include: ['file_search_call.results'] });
const helperEvents = [];
const snapshots = [];
helper.on('response.output_text.delta', (event) => snapshots.push(event.snapshot));
for await (const event of helper) {
  helperEvents.push({ type: event.type, sequence_number: event.sequence_number });
}
const finalResponse = await helper.finalResponse();
const retrieved = await client.responses.retrieve(finalResponse.id, {
  include: ['file_search_call.results'],
});

// 5. the raw stream
const raw = await client.responses.create({ ...request, stream: true });
const rawEvents = [];
let rawCompleted = null;
for await (const event of raw) {
  rawEvents.push({ type: event.type, sequence_number: event.sequence_number });
  if (event.type === 'response.completed') rawCompleted = event.response;
}

// 6. input items, a follow-up turn, delete
const inputItems = [];
for await (const item of client.responses.inputItems.list(included.id)) inputItems.push(item);
const followUp = await client.responses.create({
  ...request,
  input: 'And how long is the warranty?',
  previous_response_id: included.id,
});
const followUpItems = [];
for await (const item of client.responses.inputItems.list(followUp.id)) followUpItems.push(item);
const deleted = await client.responses.delete(plain.id);
const afterDelete = await failure(client.responses.retrieve(plain.id));

// 7. a tool vsmock does not serve
const badTool = await failure(
  client.responses.create({ ...request, tools: [{ type: 'web_search' }] }),
);

console.log(
  JSON.stringify({
    files: files.map((file) => ({ id: file.id, filename: file.filename })),
    store: { id: store.id, status: store.status, file_counts: store.file_counts },
    batch: { status: batch.status, file_counts: batch.file_counts },
    included: summary(included),
    plain: summary(plain),
    stream: {
      events: helperEvents,
      snapshots,
      final: finalResponse,
      retrieved,
      summary: summary(finalResponse),
    },
    raw: { events: rawEvents, completed: rawCompleted },
    input_items: inputItems,
    follow_up: { ...summary(followUp), previous_response_id: followUp.previous_response_id },
    follow_up_items: followUpItems,
    deleted,
    after_delete: afterDelete,
    bad_tool: badTool,
  }),
);
